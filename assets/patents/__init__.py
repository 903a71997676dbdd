"""Patents: PatentsView and EPO OPS, from the live services to the parsed tables."""
