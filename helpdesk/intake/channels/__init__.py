"""Mail in: every channel hands raw bytes to intake.receive()."""
