"""Studies that return protected tables: verhuisstromen from microdata (``flows``) or from open data
(``flows_open``), its offline report, and what the demo publishes for the dashboards (``publish``)."""
