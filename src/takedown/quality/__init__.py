"""Quality checks: a sample of final decisions looked at again, blind, by another reviewer."""
