"""Demo banking platform: the data the staff tools read (seed 000)."""
