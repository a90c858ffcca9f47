package ui

// The case register, acquisition lists and the jobs that run them.

func (s *Server) caseRoutes() []route {
	return nil
}

// caseEnglish holds these screens' strings.
var caseEnglish = map[string]string{}
