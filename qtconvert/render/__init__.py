"""What the book formats share: batched pandoc, the article section HTML,
typography and TeX repair."""
