"""Known material found after upload: uploads scanned before a hash was banked are matched again."""
