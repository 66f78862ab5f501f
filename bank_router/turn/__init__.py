"""What every part of a turn shares: the graph state, the run context and the caller, the agent table."""
