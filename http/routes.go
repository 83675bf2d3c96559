package http

import (
	"liaison"
	auditlog "liaison/audit"
	"liaison/policy"
	"liaison/service"
)

// route is one endpoint: its pattern, who may call it, its handler and
// what the OpenAPI document says about it.
type route struct {
	method, pattern string
	name            string // stable label for metrics and logs
	auth            authMode
	ui              bool  // renders HTML errors and redirects to sign-in
	anonymous       bool  // the public tip form: the client's address and browser are never recorded
	upload          int64 // a form with a file: its body limit (0: maxFormBytes)
	h               handlerFunc
	doc             *op // nil for routes outside the JSON API
}

// routes lists every endpoint Liaison serves; nothing is registered elsewhere.
func (s *Server) routeTable() []route {
	api := func(method, pattern, name string, auth authMode, h handlerFunc, doc op) route {
		return route{method: method, pattern: "/api/v1" + pattern, name: name, auth: auth, h: h, doc: &doc}
	}
	page := uiPage
	list := listParams
	rt := []route{
		// Operations.
		{method: "GET", pattern: "/healthz", name: "healthz", h: s.healthz},
		{method: "GET", pattern: "/readyz", name: "readyz", h: s.readyz},
		{method: "GET", pattern: "/metrics", name: "metrics", auth: authUser, h: s.metrics}, // administrators only; see MetricsHandler
		{method: "GET", pattern: "/static/{hash}/{file}", name: "static", h: s.static},

		// JSON API.
		api("GET", "/openapi.json", "openapi", authPublic, s.openAPI,
			op{Tag: "meta", Summary: "This OpenAPI 3.1 document", Response: nil}),
		api("GET", "/me", "me", authUser, s.me,
			op{Tag: "accounts", Summary: "The signed-in user and their agency", Response: meResponse{}}),

		api("GET", "/agencies", "agencies.list", authUser, s.listAgencies,
			op{Tag: "directory", Summary: "List agencies", Response: []*liaison.Agency{},
				Params: append(list(), param{"kind", "query", "Agency kind", enumOf(liaison.AgencyKinds)},
					param{"country", "query", "ISO 3166-1 alpha-2 country", nil})}),
		api("POST", "/agencies", "agencies.create", authUser, s.idempotent(s.createAgency),
			op{Tag: "directory", Summary: "Add an agency (admin)", Request: liaison.AgencyInput{}, Response: &liaison.Agency{}, Status: 201, Idempotent: true}),
		api("GET", "/agencies/{id}", "agencies.get", authUser, s.getAgency,
			op{Tag: "directory", Summary: "One agency, by id or code", Response: &liaison.Agency{}}),
		api("PATCH", "/agencies/{id}", "agencies.update", authUser, s.updateAgency,
			op{Tag: "directory", Summary: "Change an agency (admin)", Request: liaison.AgencyUpdate{}, Response: &liaison.Agency{}}),

		api("GET", "/users", "users.list", authUser, s.listUsers,
			op{Tag: "directory", Summary: "List users (admin); others find an agency's points of contact on the agency", Response: []*liaison.User{},
				Params: append(list(), param{"agency_id", "query", "Home agency id", nil},
					param{"role", "query", "Role", enumOf(liaison.Roles)})}),
		api("POST", "/users", "users.create", authUser, s.idempotent(s.createUser),
			op{Tag: "directory", Summary: "Open an account (admin)", Request: liaison.UserInput{}, Response: &liaison.User{}, Status: 201, Idempotent: true}),
		api("GET", "/users/{id}", "users.get", authUser, s.getUser,
			op{Tag: "directory", Summary: "One user, by id or login: the whole account to admins and to the user; to others a card of id, login, name and agency_id", Response: &liaison.User{}}),
		api("PATCH", "/users/{id}", "users.update", authUser, s.updateUser,
			op{Tag: "directory", Summary: "Change a user; role and attribute changes are audited permission changes (admin)",
				Request: liaison.UserUpdate{}, Response: &liaison.User{}}),
		api("POST", "/users/{id}/unlock", "users.unlock", authUser, s.unlockUser,
			op{Tag: "accounts", Summary: "Release a locked account (admin)", Response: &liaison.User{}}),
		api("POST", "/users/{id}/reset-mfa", "users.resetmfa", authUser, s.resetMFA,
			op{Tag: "accounts", Summary: "Remove a user's second factor so they enrol again (admin)", Response: &liaison.User{}}),
		api("POST", "/users/{id}/password", "users.password", authUser, s.setPassword,
			op{Tag: "accounts", Summary: "Change a password (own, with the current one; or any, as admin)", Request: passwordRequest{}}),

		api("GET", "/communities", "communities.list", authUser, s.listCommunities,
			op{Tag: "directory", Summary: "List communities", Response: []*liaison.Community{},
				Params: append(list(), param{"agency_id", "query", "Only communities this agency belongs to", nil})}),
		api("POST", "/communities", "communities.create", authUser, s.idempotent(s.createCommunity),
			op{Tag: "directory", Summary: "Form a community (admin)", Request: liaison.CommunityInput{}, Response: &liaison.Community{}, Status: 201, Idempotent: true}),
		api("GET", "/communities/{id}", "communities.get", authUser, s.getCommunity,
			op{Tag: "directory", Summary: "One community with its members", Response: &liaison.Community{}}),
		api("PATCH", "/communities/{id}", "communities.update", authUser, s.updateCommunity,
			op{Tag: "directory", Summary: "Change a community; members replaces the list (admin)", Request: liaison.CommunityUpdate{}, Response: &liaison.Community{}}),

		api("GET", "/agreements", "agreements.list", authUser, s.listAgreements,
			op{Tag: "directory", Summary: "List agreements", Response: []*liaison.Agreement{},
				Params: append(list(), param{"agency_id", "query", "Receiving agency", nil},
					param{"community_id", "query", "Community shared from", nil},
					param{"active", "query", "true: only agreements in force now", []string{"true", "false"}})}),
		api("POST", "/agreements", "agreements.create", authUser, s.idempotent(s.createAgreement),
			op{Tag: "directory", Summary: "Record an agreement (admin)", Request: liaison.AgreementInput{}, Response: &liaison.Agreement{}, Status: 201, Idempotent: true}),
		api("GET", "/agreements/{id}", "agreements.get", authUser, s.getAgreement,
			op{Tag: "directory", Summary: "One agreement", Response: &liaison.Agreement{}}),
		api("PATCH", "/agreements/{id}", "agreements.update", authUser, s.updateAgreement,
			op{Tag: "directory", Summary: "Amend or end an agreement (admin)", Request: liaison.AgreementUpdate{}, Response: &liaison.Agreement{}}),

		api("GET", "/tokens", "tokens.list", authUser, s.listTokens,
			op{Tag: "accounts", Summary: "List API tokens (own, or a user's as admin)", Response: []*liaison.APIToken{},
				Params: append(list(), param{"user", "query", "User id or login (admin)", nil})}),
		api("POST", "/tokens", "tokens.create", authSession, s.idempotent(s.createToken),
			op{Tag: "accounts", Summary: "Create an API token; the secret is shown once", Request: tokenRequest{}, Response: &service.NewToken{}, Status: 201, Idempotent: true}),
		api("DELETE", "/tokens/{id}", "tokens.revoke", authUser, s.revokeToken,
			op{Tag: "accounts", Summary: "Revoke an API token", Response: &liaison.APIToken{}}),

		api("GET", "/audit/events", "audit.events", authUser, s.auditEvents,
			op{Tag: "audit", Summary: "Search the audit log (auditors, privacy officers); the search is itself audited",
				Response: []*liaison.AuditEvent{}, Params: append(list(),
					param{"user_id", "query", "Acting user", nil}, param{"agency_id", "query", "Acting user's agency", nil},
					param{"action", "query", "Action, or a prefix ending in '.' such as login.", nil},
					param{"object_type", "query", "Object type", nil}, param{"object_id", "query", "Object id: who accessed record X", nil},
					param{"outcome", "query", "success, failure or denied", []string{"success", "failure", "denied"}},
					param{"order", "query", "oldest (log order, the default) or newest first; the cursor pages on in that order", []string{"oldest", "newest"}},
					param{"since", "query", "From (inclusive): date or RFC 3339 time", nil},
					param{"until", "query", "To (exclusive): date or RFC 3339 time", nil})}),
		api("GET", "/audit/review", "audit.review", authUser, s.auditReview,
			op{Tag: "audit", Summary: "Weekly audit review: totals and the events a reviewer must see (auditors, privacy officers)",
				Response: &service.Review{}, Params: []param{{"since", "query", "Start (default: 7 days ago)", nil}, {"until", "query", "End (default: now)", nil}}}),
		api("GET", "/audit/checkpoints", "audit.checkpoints", authPublic, s.listCheckpoints,
			op{Tag: "audit", Summary: "Signed tree heads of the audit log, newest first (public)", Response: []*liaison.Checkpoint{},
				Params: []param{{"before", "query", "Only checkpoints smaller than this size", nil}, {"limit", "query", "How many", nil}}}),
		api("POST", "/audit/checkpoints", "audit.checkpoint", authUser, s.signCheckpoint,
			op{Tag: "audit", Summary: "Sign the current tree head now (auditors, privacy officers, admins)", Response: &liaison.Checkpoint{}, Status: 201}),
		api("POST", "/audit/checkpoints/{size}/cosignatures", "audit.cosign", authUser, s.cosign,
			op{Tag: "audit", Summary: "Add a co-signature by another agency or auditor (auditors)", Request: cosignRequest{}, Response: &liaison.Checkpoint{}}),
		api("GET", "/audit/proofs/inclusion", "audit.proof.inclusion", authUser, s.inclusionProof,
			op{Tag: "audit", Summary: "Inclusion proof of one entry in a signed checkpoint (auditors)", Response: &auditlog.InclusionProof{},
				Params: []param{{"index", "query", "Entry index", nil}, {"size", "query", "Checkpoint size (default: latest)", nil}}}),
		api("GET", "/audit/proofs/consistency", "audit.proof.consistency", authPublic, s.consistencyProof,
			op{Tag: "audit", Summary: "Consistency proof between two checkpoints (public)", Response: &auditlog.ConsistencyProof{},
				Params: []param{{"old", "query", "Older checkpoint size", nil}, {"new", "query", "Newer checkpoint size", nil}}}),
		api("GET", "/audit/keys", "audit.keys", authPublic, s.auditKeys,
			op{Tag: "audit", Summary: "Checkpoint verifier keys (public)"}),
		api("GET", "/disseminations", "disseminations.list", authUser, s.listDisseminations,
			op{Tag: "audit", Summary: "The dissemination ledger (auditors, privacy officers)", Response: []*liaison.Dissemination{},
				Params: append(list(), param{"item_id", "query", "Released item", nil},
					param{"recipient_agency_id", "query", "Receiving agency", nil}, param{"originator_id", "query", "Originating agency", nil},
					param{"since", "query", "From", nil}, param{"until", "query", "To", nil})}),
		api("GET", "/disseminations/export", "disseminations.export", authUser, s.exportDisseminations,
			op{Tag: "audit", Summary: "The dissemination ledger as CSV (auditors, privacy officers)",
				Params: []param{{"item_id", "query", "Released item", nil}, {"recipient_agency_id", "query", "Receiving agency", nil},
					{"originator_id", "query", "Originating agency", nil}, {"since", "query", "From", nil}, {"until", "query", "To", nil}}}),
		api("GET", "/alerts", "alerts", authUser, s.alerts,
			op{Tag: "meta", Summary: "Operational alerts of this node, such as failed audit writes (admins)"}),
		api("GET", "/transparency", "transparency", authPublic, s.transparencyJSON,
			op{Tag: "meta", Summary: "Public transparency report: monthly aggregate counts and signed checkpoints",
				Response: &service.Transparency{}, Params: []param{{"months", "query", "Months back, 1-36 (default 12)", nil}}}),

		api("POST", "/cases", "cases.create", authUser, s.idempotent(s.createCase),
			op{Tag: "intelligence", Summary: "Open a case led by your agency; you are assigned", Request: liaison.CaseInput{}, Response: &liaison.Case{}, Status: 201, Idempotent: true}),
		api("GET", "/cases/{id}", "cases.get", authUser, s.getCase,
			op{Tag: "intelligence", Summary: "One case, for its lead agency and assigned users", Response: &liaison.Case{}}),
		api("PUT", "/cases/{id}/assignments", "cases.assign", authUser, s.assignCase,
			op{Tag: "intelligence", Summary: "Replace a case's assignments (need-to-know)", Request: assignRequest{}, Response: &liaison.Case{}}),
		api("POST", "/records", "records.create", authUser, s.idempotent(s.createRecord),
			op{Tag: "intelligence", Summary: "Write a 28 CFR Part 23 intelligence record (predicate and attestation required)",
				Request: liaison.IntelInput{}, Response: &liaison.IntelRecord{}, Status: 201, Idempotent: true}),
		api("GET", "/records", "records.list", authUser, s.listRecords,
			op{Tag: "intelligence", Summary: "Records you may see, decided one by one and redacted as the policy plans", Response: []*liaison.IntelRecord{},
				Params: append(list(), param{"case_id", "query", "Only this case", nil},
					param{"purpose", "query", "Declared purpose", enumOf(liaison.Purposes)})}),
		api("GET", "/records/{id}", "records.get", authUser, s.getRecord,
			op{Tag: "intelligence", Summary: "One record through the decision point; not visible answers as not found", Response: recordResponse{},
				Params: []param{{"purpose", "query", "Declared purpose", enumOf(liaison.Purposes)}}}),
		api("PUT", "/records/{id}", "records.correct", authUser, s.correctRecord,
			op{Tag: "intelligence", Summary: "Correct a record (a new version); earlier recipients are notified", Request: liaison.IntelInput{}, Response: &liaison.IntelRecord{}}),
		api("GET", "/records/{id}/explain", "records.explain", authUser, s.explainRecord,
			op{Tag: "intelligence", Summary: "Explain whether a user may read a record, and why (privacy officers)", Response: &policy.Decision{},
				Params: []param{{"as", "query", "User login or id", nil}, {"purpose", "query", "Declared purpose", enumOf(liaison.Purposes)}}}),
		api("GET", "/records/review-queue", "records.reviewqueue", authUser, s.reviewQueue,
			op{Tag: "intelligence", Summary: "Records whose retention ends soon: the review queue (privacy officers, trained analysts)",
				Response: []*liaison.IntelRecord{}, Params: []param{{"within", "query", "How far ahead, e.g. 720h (default 30 days)", nil}}}),
		api("POST", "/records/{id}/review", "records.review", authUser, s.reviewRecord,
			op{Tag: "intelligence", Summary: "Validate a record: resets retention (at most 5 years) and records who, when and why", Request: reviewRequest{}, Response: &liaison.IntelRecord{}}),
		api("POST", "/records/{id}/purge", "records.purge", authUser, s.purgeRecord,
			op{Tag: "intelligence", Summary: "Purge a record's content, keeping a tombstone; earlier recipients are told", Request: purgeRequest{}}),
		api("GET", "/records/{id}/versions", "records.history", authUser, s.recordHistory,
			op{Tag: "intelligence", Summary: "Every version of a record, through the decision point and redacted", Response: []*liaison.IntelRecord{},
				Params: []param{{"purpose", "query", "Declared purpose", enumOf(liaison.Purposes)}}}),
		api("POST", "/records/{id}/assess", "records.assess", authUser, s.assessRecord,
			op{Tag: "intelligence", Summary: "Imminent danger to life or property: an assessment only, audited and flagged for review (sworn officers)",
				Request: assessRequest{}, Response: &liaison.IntelRecord{}}),
		api("POST", "/sars", "sars.create", authUser, s.idempotent(s.createSAR),
			op{Tag: "sar", Summary: "File a suspicious activity report (a draft, or submitted for step 1)", Request: service.SARInput{}, Response: &liaison.SAR{}, Status: 201, Idempotent: true}),
		api("GET", "/sars", "sars.queue", authUser, s.sarQueue,
			op{Tag: "sar", Summary: "A vetting queue: my_drafts, awaiting_step1, awaiting_step2, shared_with_us, withdrawn", Response: []*liaison.SAR{},
				Params: append(list(), param{"queue", "query", "Queue", []string{"my_drafts", "awaiting_step1", "awaiting_step2", "shared_with_us", "withdrawn"}},
					param{"purpose", "query", "Declared purpose (the shared space needs one)", enumOf(liaison.Purposes)})}),
		api("GET", "/sars/{id}", "sars.get", authUser, s.getSAR,
			op{Tag: "sar", Summary: "One report: its agency and vetting chain before sharing, the decision point after", Response: &liaison.SAR{},
				Params: []param{{"purpose", "query", "Declared purpose", enumOf(liaison.Purposes)}}}),
		api("PUT", "/sars/{id}", "sars.edit", authUser, s.editSAR,
			op{Tag: "sar", Summary: "Edit a draft (its author or a supervisor of its agency); submit it again with \"submit\": true", Request: service.SARInput{}, Response: &liaison.SAR{}}),
		api("POST", "/sars/{id}/steps", "sars.step", authUser, s.stepSAR,
			op{Tag: "sar", Summary: "Take a vetting step: submit, forward, return, reject_step1, share, retain, reject_step2, withdraw", Request: service.StepInput{}, Response: &liaison.SAR{}}),
		api("POST", "/sars/{id}/attachments", "sars.attach", authUser, s.attachToSAR,
			op{Tag: "sar", Summary: "Attach a file (raw body, up to 10 MiB; JPEG, PNG, GIF, WebP, PDF, plain text, MP4, by content)",
				Response: &liaison.Attachment{}, Status: 201, Params: []param{{"name", "query", "File name", nil}}}),
		api("GET", "/sars/{id}/attachments/{hash}", "sars.attachment", authUser, s.getAttachment,
			op{Tag: "sar", Summary: "Download an attachment (those who see the report unredacted)", Params: []param{{"purpose", "query", "Declared purpose", enumOf(liaison.Purposes)}}}),
		api("PUT", "/sars/{id}/case", "sars.case", authUser, s.attachSARToCase,
			op{Tag: "sar", Summary: "Attach a report to a case your agency leads", Request: attachCaseRequest{}, Response: &liaison.SAR{}}),
		api("POST", "/sars/{id}/promote", "sars.promote", authUser, s.promoteSAR,
			op{Tag: "sar", Summary: "Promote a report's entities into the subjects of a new intelligence record (a predicate is still required)",
				Request: liaison.IntelInput{}, Response: &liaison.IntelRecord{}, Status: 201,
				Params: []param{{"purpose", "query", "Declared purpose for reading another agency's shared report (counterterrorism if none)", enumOf(liaison.Purposes)}}}),
		api("POST", "/operations", "operations.create", authUser, s.idempotent(s.createOperation),
			op{Tag: "deconfliction", Summary: "Register an operation (a draft, or active at once and deconflicted against every agency's active operations)",
				Request: service.OperationInput{}, Response: &liaison.Operation{}, Status: 201, Idempotent: true}),
		api("GET", "/operations", "operations.list", authUser, s.listOperations,
			op{Tag: "deconfliction", Summary: "Your agency's operations", Response: []*liaison.Operation{},
				Params: append(list(), param{"state", "query", "Comma-separated states", enumOf(operationStates)})}),
		api("GET", "/operations/{id}", "operations.get", authUser, s.getOperation,
			op{Tag: "deconfliction", Summary: "One of your agency's operations (other agencies' are not found)", Response: &liaison.Operation{}}),
		api("POST", "/operations/{id}/transitions", "operations.transition", authUser, s.transitionOperation,
			op{Tag: "deconfliction", Summary: "Activate (and deconflict), complete or cancel an operation", Request: transitionRequest{}, Response: &liaison.Operation{}}),
		api("POST", "/targets", "targets.register", authUser, s.idempotent(s.registerTarget),
			op{Tag: "deconfliction", Summary: "Register a person, vehicle, phone, address or weapon on an operation or case; matched against other agencies' targets",
				Request: service.TargetInput{}, Response: &liaison.Target{}, Status: 201, Idempotent: true}),
		api("GET", "/targets", "targets.list", authUser, s.listTargets,
			op{Tag: "deconfliction", Summary: "Your agency's registered targets", Response: []*liaison.Target{},
				Params: append(list(), param{"active", "query", "Only targets still matched", []string{"true", "false"}},
					param{"operation_id", "query", "Targets of one operation", nil})}),
		api("POST", "/targets/{id}/retire", "targets.retire", authUser, s.retireTarget,
			op{Tag: "deconfliction", Summary: "Stop matching a target", Response: &liaison.Target{}}),
		api("GET", "/conflicts", "conflicts.list", authUser, s.listConflicts,
			op{Tag: "deconfliction", Summary: "Conflicts your agency is a party to: the other agency, its point of contact, the kind of overlap and how close; never its details",
				Response: []*service.ConflictView{}, Params: append(list(), param{"state", "query", "Comma-separated states", enumOf(conflictStates)})}),
		api("GET", "/conflicts/{id}", "conflicts.get", authUser, s.getConflict,
			op{Tag: "deconfliction", Summary: "One conflict, as your side sees it", Response: &service.ConflictView{}}),
		api("GET", "/watch/conflicts", "watch.conflicts", authUser, s.watchConflicts,
			op{Tag: "deconfliction", Summary: "Every conflict in your watch center's area (watch officers)", Response: []*liaison.Conflict{},
				Params: append(list(), param{"state", "query", "Comma-separated states", enumOf(conflictStates)})}),
		api("POST", "/watch/conflicts/{id}", "watch.handle", authUser, s.handleConflict,
			op{Tag: "deconfliction", Summary: "Take ownership of a conflict, record when the sides made contact, or record its resolution (watch officers)",
				Request: service.WatchAction{}, Response: &liaison.Conflict{}}),
		api("GET", "/inbox", "inbox.list", authUser, s.inbox,
			op{Tag: "inbox", Summary: "Your notices, newest first, with the unread count", Response: inboxResponse{},
				Params: append(list(), param{"unread", "query", "Only unread notices", []string{"true", "false"}})}),
		api("POST", "/inbox/{id}/read", "inbox.read", authUser, s.markRead,
			op{Tag: "inbox", Summary: "Mark a notice read", Status: 204}),
		api("POST", "/search", "search", authUser, s.search,
			op{Tag: "search", Summary: "Search reports, intelligence and cases through the decision point: what you may see (redacted as decided), and pointers to the agencies holding what matches but you may not see",
				Request: service.SearchRequest{}, Response: &service.SearchResponse{}}),
		api("POST", "/access-requests", "access.request", authUser, s.requestAccess,
			op{Tag: "search", Summary: "Ask the holder of a pointer's items for access, for a purpose and a case, with a justification",
				Request: service.AccessRequestInput{}, Response: &liaison.AccessRequest{}, Status: 201}),
		api("GET", "/access-requests", "access.list", authUser, s.listAccessRequests,
			op{Tag: "search", Summary: "Your access requests (box=mine) or those made to your agency (box=incoming)", Response: []*liaison.AccessRequest{},
				Params: append(list(), param{"box", "query", "mine or incoming", []string{"mine", "incoming"}},
					param{"state", "query", "Comma-separated states", enumOf(accessStates)})}),
		api("GET", "/access-requests/{id}", "access.get", authUser, s.getAccessRequest,
			op{Tag: "search", Summary: "One access request (its requester, or the holding agency)", Response: &liaison.AccessRequest{}}),
		api("POST", "/access-requests/{id}/decision", "access.decide", authUser, s.decideAccessRequest,
			op{Tag: "search", Summary: "Approve in full, approve without personal data (optionally a subset of items), or deny with a reason (the holder's control officials and supervisors)",
				Request: service.AccessDecision{}, Response: &liaison.AccessRequest{}}),
		api("GET", "/grants", "grants.list", authUser, s.listGrants,
			op{Tag: "search", Summary: "Grants you hold (box=mine) or your agency issued (box=issued)", Response: []*liaison.Grant{},
				Params: append(list(), param{"box", "query", "mine or issued", []string{"mine", "issued"}})}),
		api("POST", "/grants/{id}/revoke", "grants.revoke", authUser, s.revokeGrant,
			op{Tag: "search", Summary: "End a grant early (the holder's control officials and supervisors)", Request: revokeRequest{}, Response: &liaison.Grant{}}),
		api("POST", "/saved-searches", "saved.create", authUser, s.saveSearch,
			op{Tag: "search", Summary: "Keep a search: it re-runs as new data is indexed and reports new results and pointers to your inbox",
				Request: saveSearchRequest{}, Response: &liaison.SavedSearch{}, Status: 201}),
		api("GET", "/saved-searches", "saved.list", authUser, s.listSavedSearches,
			op{Tag: "search", Summary: "Your saved searches", Response: []*liaison.SavedSearch{}}),
		api("DELETE", "/saved-searches/{id}", "saved.delete", authUser, s.deleteSavedSearch,
			op{Tag: "search", Summary: "Delete one of your saved searches", Status: 204}),
		api("GET", "/policy", "policy", authUser, s.policyText,
			op{Tag: "intelligence", Summary: "The default access policy (Cedar, with plain-language reasons)"}),

		// Web UI.
		page("GET", "/transparency", "ui.transparency", authPublic, s.transparencyPage),
		anonymousPage(page("GET", "/tip", "ui.tip", authPublic, s.tipPage)),
		anonymousPage(page("POST", "/tip", "ui.tip.post", authPublic, s.tipSubmit)),
		anonymousPage(page("POST", "/tip/add", "ui.tip.add", authPublic, s.tipAdd)),
		page("GET", "/{$}", "ui.home", authSession, s.home),
		page("GET", "/login", "ui.login", authPublic, s.loginPage),
		page("POST", "/login", "ui.login.post", authPublic, s.loginSubmit),
		page("GET", "/login/mfa", "ui.mfa", authPublic, s.mfaPage),
		page("POST", "/login/mfa", "ui.mfa.post", authPublic, s.mfaSubmit),
		page("GET", "/login/enrol", "ui.enrol", authPublic, s.enrolPage),
		page("POST", "/login/enrol", "ui.enrol.post", authPublic, s.enrolSubmit),
		page("POST", "/logout", "ui.logout", authSession, s.logout),
		page("GET", "/sars", "ui.sars", authSession, s.sarQueuePage),
		page("GET", "/sars/new", "ui.sars.new", authSession, s.sarNewPage),
		page("POST", "/sars", "ui.sars.create", authSession, s.sarCreate),
		page("GET", "/sars/import", "ui.sars.import", authSession, s.sarImportPage),
		withUpload(page("POST", "/sars/import", "ui.sars.import.post", authSession, s.sarImport), maxImportBytes),
		page("GET", "/imports/{id}", "ui.sars.import.job", authSession, s.sarImportJob),
		page("GET", "/sars/export", "ui.sars.export", authSession, s.sarExport),
		page("GET", "/sars/{id}", "ui.sar", authSession, s.sarViewPage),
		page("POST", "/sars/{id}/steps", "ui.sar.step", authSession, s.sarStep),
		page("GET", "/sars/{id}/edit", "ui.sar.edit", authSession, s.sarEditPage),
		page("POST", "/sars/{id}/edit", "ui.sar.edit.save", authSession, s.sarEdit),
		page("GET", "/operations", "ui.operations", authSession, s.opListPage),
		page("GET", "/operations/new", "ui.operations.new", authSession, s.opNewPage),
		page("POST", "/operations", "ui.operations.create", authSession, s.opCreate),
		page("GET", "/operations/{id}", "ui.operation", authSession, s.opViewPage),
		page("POST", "/operations/{id}/transitions", "ui.operation.transition", authSession, s.opTransition),
		page("POST", "/operations/{id}/targets", "ui.operation.target", authSession, s.targetRegister),
		page("POST", "/targets/{id}/retire", "ui.target.retire", authSession, s.targetRetire),
		page("GET", "/conflicts", "ui.conflicts", authSession, s.conflictBoard),
		page("GET", "/conflicts/{id}", "ui.conflict", authSession, s.conflictPage),
		page("GET", "/watch", "ui.watch", authSession, s.watchPage),
		page("POST", "/watch/{id}", "ui.watch.act", authSession, s.watchAct),
		page("GET", "/search", "ui.search", authSession, s.searchPage),
		page("GET", "/access-requests", "ui.access", authSession, s.accessListPage),
		page("GET", "/access-requests/new", "ui.access.new", authSession, s.accessNewPage),
		page("POST", "/access-requests", "ui.access.create", authSession, s.accessCreate),
		page("POST", "/access-requests/{id}/decision", "ui.access.decide", authSession, s.accessDecide),
		page("POST", "/grants/{id}/revoke", "ui.grant.revoke", authSession, s.grantRevoke),
		page("GET", "/inbox", "ui.inbox", authSession, s.inboxPage),
		page("POST", "/inbox/{id}/read", "ui.inbox.read", authSession, s.inboxMarkRead),
		page("GET", "/events", "ui.events", authSession, s.events),
		page("GET", "/inbox/badge", "ui.inbox.badge", authSession, s.inboxBadge),
		page("POST", "/session/keepalive", "ui.session.keepalive", authSession, s.keepAlive),
		page("GET", "/account/password", "ui.password", authSession, s.passwordPage),
		page("GET", "/account/tokens", "ui.tokens", authSession, s.tokensPage),
		page("POST", "/account/tokens", "ui.tokens.create", authSession, s.tokenCreate),
		page("POST", "/account/tokens/{id}/revoke", "ui.tokens.revoke", authSession, s.tokenRevokeOwn),
		page("POST", "/account/password", "ui.password.set", authSession, s.passwordSet),
		page("GET", "/admin/users/{id}/password", "ui.admin.user.password", authSession, s.passwordPage),
		page("POST", "/admin/users/{id}/password", "ui.admin.user.password.set", authSession, s.passwordSet),
	}
	// Web UI areas, each in its own file.
	rt = append(rt, s.recordPages()...)
	rt = append(rt, s.privacyPages()...)
	rt = append(rt, s.auditPages()...)
	rt = append(rt, s.adminPages()...)
	rt = append(rt, s.sarExtraPages()...)
	rt = append(rt, s.casePages()...)
	rt = append(rt, s.savedSearchPages()...)
	return rt
}

// withUpload lets a form route take a file of up to limit bytes.
func withUpload(rt route, limit int64) route {
	rt.upload = limit
	return rt
}

// uiPage is a web UI route: errors render as HTML and a missing session
// redirects to sign-in.
func uiPage(method, pattern, name string, auth authMode, h handlerFunc) route {
	return route{method: method, pattern: pattern, name: name, auth: auth, ui: true, h: h}
}

// anonymousPage marks rt as a page for people who do not say who they
// are: no address or browser of theirs reaches the actor, the audit log or
// the request log.
func anonymousPage(rt route) route {
	rt.anonymous = true
	return rt
}

// RouteInfo describes one registered endpoint.
type RouteInfo struct {
	Method, Pattern string
	Documented      bool // listed in the OpenAPI document
}

// Routes lists every registered endpoint, for tests and docs.
func (s *Server) Routes() []RouteInfo {
	out := make([]RouteInfo, len(s.routes))
	for i, rt := range s.routes {
		out[i] = RouteInfo{Method: rt.method, Pattern: rt.pattern, Documented: rt.doc != nil}
	}
	return out
}
