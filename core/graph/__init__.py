"""Graphs: reading and writing them, clustering them with InfoMap and others."""
