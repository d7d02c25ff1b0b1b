"""What every model family shares: the child-process protocol and the model
cache its children keep."""
