"""LaSR (Language-coupled Semantic Reasoner): task heads, FIFO queues and their losses (DESIGN.md section 3)."""
