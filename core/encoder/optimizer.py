"""The optimizer every model here trains with."""

from __future__ import annotations

from core.compat import bert4keras


def make_optimizer(learning_rate: float, warmup_steps: int, total_steps: int, ema: float = 0.999):
    """Adam with linear warm-up then linear decay to 10%, plus an exponential
    moving average of the weights (evaluated and saved in place of the raw ones)."""
    b4k = bert4keras()
    opt = b4k.optimizers
    base = opt.extend_with_piecewise_linear_lr(opt.Adam, name="AdamLR")
    cls = opt.extend_with_exponential_moving_average(base, name="AdamLREMA")
    warmup = max(1, warmup_steps)
    schedule = {warmup: 1.0, max(warmup + 1, total_steps): 0.1}
    return cls(learning_rate=learning_rate, lr_schedule=schedule, ema_momentum=ema)
