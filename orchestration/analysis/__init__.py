"""What analysts do with the published warehouse: query it, export it, read the displacement table, render
the 2018 report and browse the dbt docs. Every module here only reads the published file."""
