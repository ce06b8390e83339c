"""Synthetic test material: stylised portraits and the files built from them (no real people)."""
