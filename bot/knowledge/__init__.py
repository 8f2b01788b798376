"""Knowledge of service procedures: the catalog of service items, departments, detailed guides
(办事指南) and FAQ, loaded from ``knowledge/``; the retrieval index over them; reply composition."""
