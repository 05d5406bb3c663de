package web

func (h *handler) permitRoutes() {}
