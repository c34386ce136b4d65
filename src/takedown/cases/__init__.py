"""Cases: reports about the same content, their priority, deadline, escalation timers and media."""
