"""The static site: pure functions from published marts to Plotly figures and pages."""
