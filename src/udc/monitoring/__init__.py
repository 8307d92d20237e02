"""Monitoring programmes: a nulmeting (baseline), follow-up against targets and comparison areas, and effect
estimates at area level only — over protected aggregates from the gate, never over person rows."""
