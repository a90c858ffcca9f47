package ui

import "net/http"

// route is one entry of the route table: who may use it and what serves it.
type route struct {
	pattern string
	role    Role // the least role a session needs; RoleNone: public or guarded by a link token
	h       http.HandlerFunc
}

// routeTable lists every route, and the least role each needs, in one place: the access rules of the whole UI
// read at a glance.
func (s *Server) routeTable() []route {
	return []route{
		// the lock screen, the session, home, deliveries and shares, progress feeds (server.go); the clients' remote
		// pages and the recipients' share links (public)
		{"GET /{$}", RoleNone, s.root},
		{"GET /lock", RoleNone, s.lockScreen},
		{"POST /login", RoleNone, s.login},
		{"POST /logout", RoleNone, s.logout},
		{"GET /static/{file}", RoleNone, s.staticFile},
		{"GET /home", RoleTechnician, s.home},
		{"GET /deliveries", RoleTechnician, s.deliveries},
		{"POST /deliveries/{name}/share", RoleTechnician, s.createShare},
		{"POST /shares/{hash}/revoke", RoleTechnician, s.revokeShare},
		{"GET /progress/{feed}", RoleTechnician, s.progressPage},
		{"GET /progress/{feed}/events", RoleTechnician, s.feedEvents},
		{"GET /progress/{feed}/qr.png", RoleTechnician, s.feedQR},
		{"POST /progress/{feed}/remote", RoleTechnician, s.createRemote},
		{"POST /lang", RoleNone, s.setLang},
		{"POST /operator", RoleTechnician, s.setOperator},
		{"GET /r/{token}", RoleNone, s.remotePage},
		{"POST /r/{token}", RoleNone, s.remoteClaim},
		{"POST /r/{token}/accept", RoleNone, s.remoteAccept},
		{"POST /r/{token}/backup", RoleNone, s.remoteBackup},
		{"GET /r/{token}/qr.png", RoleNone, s.remoteQR},
		{"GET /r/{token}/events", RoleNone, s.remoteEvents},
		{"GET /s/{token}/{$}", RoleNone, s.shareIndex},
		{"GET /s/{token}/{path...}", RoleNone, s.shareFile},

		// the case register and the jobs (cases.go)
		{"GET /cases", RoleTechnician, s.caseList},
		{"GET /cases/new", RoleTechnician, s.newCaseForm},
		{"POST /cases", RoleTechnician, s.createCase},
		{"GET /cases/{id}", RoleTechnician, s.casePage},
		{"POST /cases/{id}/hold", RoleTechnician, s.setHold},
		{"POST /cases/{id}/session", RoleTechnician, s.startSession},
		{"POST /cases/{id}/backup-link", RoleTechnician, s.caseBackupLink},
		{"GET /jobs", RoleTechnician, s.jobList},
		{"GET /jobs/{id}", RoleTechnician, s.jobPage},
		{"POST /jobs/{id}/resume", RoleTechnician, s.resumeJob},
		{"POST /jobs/{id}/cancel", RoleTechnician, s.cancelJob},
		{"POST /jobs/{id}/remote", RoleTechnician, s.jobRemote},

		// the extraction wizard (phones.go)
		{"GET /phones", RoleTechnician, s.phones},
		{"GET /api/phones", RoleTechnician, s.phonesJSON},
		{"GET /phones/{serial}", RoleTechnician, s.phonePage},
		{"POST /phones/{serial}/extract", RoleTechnician, s.extract},

		// the journal and the attestations (journal.go)
		{"GET /journal", RoleTechnician, s.journal},
		{"GET /attestations", RoleTechnician, s.attestations},

		// the administrator's screens (admin.go)
		{"GET /admin", RoleAdmin, s.admin},
		{"POST /admin/pin", RoleAdmin, s.changePIN},

		// data protection (privacyscreens.go)
		{"POST /cases/{id}/remote", RoleTechnician, s.caseRemote},
		{"POST /cases/{id}/mandate", RoleTechnician, s.caseMandate},
		{"GET /cases/{id}/accesses", RoleTechnician, s.caseAccesses},
		{"GET /admin/privacy", RoleAdmin, s.privacyPage},
		{"GET /admin/privacy/register/{file}", RoleAdmin, s.privacyRegister},
		{"POST /admin/privacy/request", RoleAdmin, s.privacyRequest},
		{"POST /admin/privacy/export", RoleAdmin, s.privacyExport},

		// the cloud path (cloudpath.go)
		{"GET /cases/{id}/cloud", RoleTechnician, s.cloudCase},
		{"POST /cases/{id}/cloud", RoleTechnician, s.cloudStart},
		{"GET /cloud/{rid}", RoleTechnician, s.cloudPage},
		{"POST /cloud/{rid}/registering", RoleTechnician, s.cloudRegistering},
		{"POST /cloud/{rid}/link", RoleTechnician, s.cloudLink},
		{"POST /cloud/{rid}/restored", RoleTechnician, s.cloudRestored},
		{"POST /cloud/{rid}/extract", RoleTechnician, s.cloudExtract},
		{"POST /r/{token}/code", RoleNone, s.remoteCode},

		// Google Drive (drive.go)
		{"POST /cases/{id}/drive/authorize", RoleTechnician, s.authorizeDrive},
		{"POST /cases/{id}/drive/revoke", RoleTechnician, s.revokeDrive},
	}
}
