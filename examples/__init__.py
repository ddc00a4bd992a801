"""Side-by-side TF1 / Keras 3 examples (see README.md). Each folder is one proven pair."""
