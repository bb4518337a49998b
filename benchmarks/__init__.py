"""Benchmarks and the reliability soak: our tap and target side by side with the alternatives."""
