package ui

// The journal browser and the attestation history.

func (s *Server) journalRoutes() []route {
	return nil
}

// journalEnglish holds these screens' strings.
var journalEnglish = map[string]string{}
