"""What every model family shares: the progress and cancellation context of
slow work, the child-process protocol and the model
cache its children keep, model folders, the resumable trainer, and the rule
for tuning on held-out data."""
