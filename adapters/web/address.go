package web

func (h *handler) addressRoutes() {}
