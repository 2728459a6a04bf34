"""ratings: arrives with its issue; the app exists now so the layout tells the model."""
