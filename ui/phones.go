package ui

// The extraction wizard: a phone plugged in over USB, its backup key, the list.

func (s *Server) phoneRoutes() []route {
	return nil
}

// phoneEnglish holds these screens' strings.
var phoneEnglish = map[string]string{}
