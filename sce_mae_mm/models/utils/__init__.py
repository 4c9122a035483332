# Registered components are imported here.
