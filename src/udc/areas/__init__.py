"""Areas: codes and kinds, the registry (versions, hierarchy, regions, geometry, adjacency — the only module writing
SQL on the area tables), boundary changes, crosswalks between years, harmonisation, and PDOK downloads."""
