"""Media: image upload, validation, variants, blurhash, colour palette, garment tags."""
