"""Studies that return protected tables (verhuisstromen first) — planned in issue 6; nothing here yet."""
