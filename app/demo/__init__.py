"""Demo data: a believable operator month for the run command, the console and benchmarks."""
