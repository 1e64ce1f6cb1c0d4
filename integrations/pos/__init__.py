"""POS clients, one module per vendor behind one interface (base.PosClient)."""
