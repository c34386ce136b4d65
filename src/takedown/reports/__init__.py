"""Report intake (POST /v1/reports), the public /report and /track pages, reporter flags."""
