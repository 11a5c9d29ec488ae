# Binder's Jupyter server (copied to ~/.jupyter by binder/postBuild). About 2 GB hold the server and every kernel,
# and a torch notebook's kernel peaks at 1.2-1.4 GB: shut down kernels nobody has used for 20 minutes, even when
# their notebook is still open, so a student who moves on to the next notebook does not run out of memory.
c = get_config()  # noqa: F821 (provided by Jupyter when it reads this file)
c.MappingKernelManager.cull_idle_timeout = 20 * 60  # seconds without activity before a kernel is shut down
c.MappingKernelManager.cull_interval = 60  # how often to look, in seconds
c.MappingKernelManager.cull_connected = True  # also kernels whose notebook tab is still open
c.MappingKernelManager.cull_busy = False  # never a kernel that is running a cell
