"""Sales side of central: reps' dials (which leads each rep wants), routing a lead to reps, the
alert threads per visitor, and the inbox actions (accept, contacted, not a fit) with time to first
contact. Pure rules live in ``dials`` and ``visitor``; the rest reads and writes the database."""
