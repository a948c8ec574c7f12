"""How a batch is launched and awaited: one module per kind of device, all behind `Device`."""
