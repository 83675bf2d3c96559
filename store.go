package liaison

import (
	"context"
	"time"
)

// Store is a transactional database: the embedded SQLite file or a
// PostgreSQL cluster. Every act and its audit event commit together in one
// Update; if fn returns an error nothing it wrote is kept.
type Store interface {
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	// Update runs fn in a read-write transaction and commits if fn returns nil.
	Update(ctx context.Context, fn func(Tx) error) error
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Dialect names the backend: "sqlite" or "postgres".
	Dialect() string
	// Close releases the database.
	Close() error
}

// AgencyFilter narrows ListAgencies.
type AgencyFilter struct {
	Kind    AgencyKind
	Country string
}

// UserFilter narrows ListUsers.
type UserFilter struct {
	AgencyID ID
	Role     Role
	// Text, when set, keeps users whose login, name or e-mail address
	// contains it, ignoring case (SQLite folds ASCII letters only).
	// Characters stand for themselves: no wildcards.
	Text string
}

// CommunityFilter narrows ListCommunities.
type CommunityFilter struct {
	AgencyID ID // communities this agency belongs to
}

// AgreementFilter narrows ListAgreements.
type AgreementFilter struct {
	AgencyID    ID
	CommunityID ID
	ActiveAt    time.Time // if set, only agreements in force then
}

// Tx is one database transaction. Methods document the error codes they
// return beyond EINTERNAL. Times are stored at microsecond precision in UTC.
type Tx interface {
	// CreateAgency inserts a; ECONFLICT if its code is taken.
	CreateAgency(ctx context.Context, a *Agency) error
	// UpdateAgency overwrites a by id; ENOTFOUND, ECONFLICT on a taken code.
	UpdateAgency(ctx context.Context, a *Agency) error
	// FindAgencyByID returns the agency; ENOTFOUND.
	FindAgencyByID(ctx context.Context, id ID) (*Agency, error)
	// FindAgencyByCode returns the agency with that code; ENOTFOUND.
	FindAgencyByCode(ctx context.Context, code string) (*Agency, error)
	// ListAgencies returns agencies in id order after p.After.
	ListAgencies(ctx context.Context, f AgencyFilter, p Page) ([]*Agency, error)

	// CreateUser inserts u; ECONFLICT if its login is taken, EINVALID
	// (field agency_id) if its agency does not exist.
	CreateUser(ctx context.Context, u *User) error
	// UpdateUser overwrites u by id, credentials included; ENOTFOUND,
	// EINVALID (agency_id).
	UpdateUser(ctx context.Context, u *User) error
	// FindUserByID returns the user; ENOTFOUND.
	FindUserByID(ctx context.Context, id ID) (*User, error)
	// FindUserByLogin returns the user; ENOTFOUND.
	FindUserByLogin(ctx context.Context, login string) (*User, error)
	// ListUsers returns users in id order after p.After.
	ListUsers(ctx context.Context, f UserFilter, p Page) ([]*User, error)

	// CreateCommunity inserts c and its members; ECONFLICT if its name is
	// taken, EINVALID (members) if a member agency does not exist.
	CreateCommunity(ctx context.Context, c *Community) error
	// UpdateCommunity overwrites c and replaces its members; ENOTFOUND,
	// ECONFLICT, EINVALID (members).
	UpdateCommunity(ctx context.Context, c *Community) error
	// FindCommunityByID returns the community with its members; ENOTFOUND.
	FindCommunityByID(ctx context.Context, id ID) (*Community, error)
	// ListCommunities returns communities in id order after p.After.
	ListCommunities(ctx context.Context, f CommunityFilter, p Page) ([]*Community, error)

	// CreateAgreement inserts a; EINVALID (agency_id, community_id) if
	// either does not exist.
	CreateAgreement(ctx context.Context, a *Agreement) error
	// UpdateAgreement overwrites a by id; ENOTFOUND.
	UpdateAgreement(ctx context.Context, a *Agreement) error
	// FindAgreementByID returns the agreement; ENOTFOUND.
	FindAgreementByID(ctx context.Context, id ID) (*Agreement, error)
	// ListAgreements returns agreements in id order after p.After.
	ListAgreements(ctx context.Context, f AgreementFilter, p Page) ([]*Agreement, error)

	// CreateCase inserts c with its assignments; EINVALID (agency_id,
	// assigned) for an unknown agency or user.
	CreateCase(ctx context.Context, c *Case) error
	// UpdateCase overwrites c and replaces its assignments; ENOTFOUND, EINVALID (assigned).
	UpdateCase(ctx context.Context, c *Case) error
	// FindCaseByID returns the case with its assignments; ENOTFOUND.
	FindCaseByID(ctx context.Context, id ID) (*Case, error)
	// ListUserCases returns the ids of the cases a user is assigned to.
	ListUserCases(ctx context.Context, userID ID) ([]ID, error)

	// CreateIntelRecord inserts r as version 1; EINVALID (case_id,
	// originator_agency_id) for an unknown case or agency.
	CreateIntelRecord(ctx context.Context, r *IntelRecord) error
	// UpdateIntelRecord stores r as a new version (r.Version must be the
	// stored version + 1); ENOTFOUND, ECONFLICT (version) if it is not.
	UpdateIntelRecord(ctx context.Context, r *IntelRecord) error
	// FindIntelRecord returns the latest version of a record; ENOTFOUND.
	FindIntelRecord(ctx context.Context, id ID) (*IntelRecord, error)
	// FindIntelRecords returns the latest versions of the records with these
	// ids that exist, in no order.
	FindIntelRecords(ctx context.Context, ids []ID) ([]*IntelRecord, error)
	// ListIntelVersions returns every version of a record, oldest first.
	ListIntelVersions(ctx context.Context, id ID) ([]*IntelRecord, error)
	// ListIntelDue returns records (not purged) whose retention ends before
	// t, earliest deadline first, at most limit.
	ListIntelDue(ctx context.Context, before time.Time, limit int) ([]*IntelRecord, error)
	// PurgeIntelRecord replaces a record and every stored version of it
	// with the tombstone; ENOTFOUND.
	PurgeIntelRecord(ctx context.Context, tombstone *IntelRecord) error
	// ListIntelRecords returns latest versions in id order after p.After.
	ListIntelRecords(ctx context.Context, f IntelFilter, p Page) ([]*IntelRecord, error)

	// CreateSAR inserts a report; EINVALID (agency_id) for an unknown agency.
	CreateSAR(ctx context.Context, r *SAR) error
	// FindSARs returns the reports with these ids that exist, in no order.
	FindSARs(ctx context.Context, ids []ID) ([]*SAR, error)
	// CreateSARs inserts new reports at once (a bulk import); the errors of
	// CreateSAR, and none is kept if one fails.
	CreateSARs(ctx context.Context, rs []*SAR) error
	// UpdateSAR overwrites a report; ENOTFOUND.
	UpdateSAR(ctx context.Context, r *SAR) error
	// FindSAR returns a report; ENOTFOUND.
	FindSAR(ctx context.Context, id ID) (*SAR, error)
	// PutSARReceipt stores the hash of a tip's receipt code; ECONFLICT if taken.
	PutSARReceipt(ctx context.Context, hash string, sarID ID) error
	// FindSARByReceipt returns the report a receipt hash belongs to; ENOTFOUND.
	FindSARByReceipt(ctx context.Context, hash string) (*SAR, error)
	// AttachToSAR stores data under its hash (once) and links it to a
	// report; ECONFLICT (sha256) if the report already has that file.
	AttachToSAR(ctx context.Context, sarID ID, a *Attachment, data []byte) error
	// ListSARAttachments lists a report's attachments, oldest first.
	ListSARAttachments(ctx context.Context, sarID ID) ([]*Attachment, error)
	// ReadSARAttachment returns one attachment's content; ENOTFOUND.
	ReadSARAttachment(ctx context.Context, sarID ID, hash string) (*Attachment, []byte, error)
	// ListSARs returns reports in id order after p.After.
	ListSARs(ctx context.Context, f SARFilter, p Page) ([]*SAR, error)

	// CreateOperation inserts o; EINVALID (agency_id) for an unknown agency.
	CreateOperation(ctx context.Context, o *Operation) error
	// UpdateOperation overwrites o by id; ENOTFOUND.
	UpdateOperation(ctx context.Context, o *Operation) error
	// FindOperation returns an operation; ENOTFOUND.
	FindOperation(ctx context.Context, id ID) (*Operation, error)
	// ListOperations returns operations in id order after p.After.
	ListOperations(ctx context.Context, f OperationFilter, p Page) ([]*Operation, error)
	// ListActiveAreas returns the check areas and windows of active
	// operations in id order after p.After, without reading their bodies:
	// the index rebuild.
	ListActiveAreas(ctx context.Context, p Page) ([]*OperationArea, error)

	// TickDeconflictionClock advances the deconfliction clock and returns
	// the new tick. The clock row stays locked until the transaction ends, so
	// deconfliction writes are serialised across nodes.
	TickDeconflictionClock(ctx context.Context) (int64, error)
	// ListDeconflictionChanges returns the operations and targets whose last
	// change has after < seq <= upTo, in seq order.
	ListDeconflictionChanges(ctx context.Context, after, upTo int64) ([]*Operation, []*Target, error)
	// DeconflictionClock returns the current tick without taking the lock.
	DeconflictionClock(ctx context.Context) (int64, error)

	// CreateTarget inserts t; EINVALID (agency_id, operation_id) for an
	// unknown agency or operation.
	CreateTarget(ctx context.Context, t *Target) error
	// UpdateTarget overwrites t by id; ENOTFOUND.
	UpdateTarget(ctx context.Context, t *Target) error
	// FindTarget returns a target; ENOTFOUND.
	FindTarget(ctx context.Context, id ID) (*Target, error)
	// ListTargets returns targets in id order after p.After.
	ListTargets(ctx context.Context, f TargetFilter, p Page) ([]*Target, error)

	// CreateConflict inserts c; ECONFLICT (ref) if the same two items are
	// already recorded as conflicting, in either order.
	CreateConflict(ctx context.Context, c *Conflict) error
	// UpdateConflict overwrites c by id; ENOTFOUND.
	UpdateConflict(ctx context.Context, c *Conflict) error
	// FindConflict returns a conflict; ENOTFOUND.
	FindConflict(ctx context.Context, id ID) (*Conflict, error)
	// ListConflicts returns conflicts in id order after p.After.
	ListConflicts(ctx context.Context, f ConflictFilter, p Page) ([]*Conflict, error)

	// CreateInboxMessage delivers m; EINVALID (user_id) for an unknown user.
	CreateInboxMessage(ctx context.Context, m *InboxMessage) error
	// ListInbox returns a user's messages, newest first, with id < p.After
	// when set.
	ListInbox(ctx context.Context, userID ID, f InboxFilter, p Page) ([]*InboxMessage, error)
	// MarkInboxRead sets read_at on a user's unread message; ENOTFOUND if
	// the user has no such message.
	MarkInboxRead(ctx context.Context, userID, id ID, at time.Time) error
	// CountUnread counts a user's unread messages.
	CountUnread(ctx context.Context, userID ID) (int, error)

	// AddOutboxEvent queues e for the event stream in this transaction.
	AddOutboxEvent(ctx context.Context, e *OutboxEvent) error
	// ListOutboxEvents returns up to limit queued events, oldest first.
	ListOutboxEvents(ctx context.Context, limit int) ([]*OutboxEvent, error)
	// DeleteOutboxEvents removes published events.
	DeleteOutboxEvents(ctx context.Context, ids []ID) error

	// QueueSearch queues items for (re)indexing. Writes to reports,
	// records and cases queue themselves (triggers); this is for a reindex.
	QueueSearch(ctx context.Context, refs []SearchRef) error
	// ListSearchQueue returns up to limit queued items, oldest first.
	ListSearchQueue(ctx context.Context, limit int) ([]*SearchQueued, error)
	// DeleteSearchQueue removes indexed entries from the queue.
	DeleteSearchQueue(ctx context.Context, ids []int64) error
	// PutSearchDocs replaces each item's document (removing the old one)
	// and sets d.Seq to its new, larger position.
	PutSearchDocs(ctx context.Context, docs []*SearchDoc) error
	// DeleteSearchDocs removes items from the index; missing ones are no error.
	DeleteSearchDocs(ctx context.Context, refs []SearchRef) error
	// SearchCandidates returns documents that match m, newest (largest Seq)
	// first, at most m.Limit, each with its relevance score. The indexed
	// text is not returned.
	SearchCandidates(ctx context.Context, m SearchMatch) ([]*SearchCandidate, error)
	// ScoreSearch scores documents for terms, larger is more relevant:
	// matches in the title and names weigh more than the body, and the
	// words side by side more than apart. Only the given documents are
	// scored (a ranking window), so the cost does not grow with how many
	// documents match. A document matching only in the body may be left
	// out (score 0), as may one that does not match.
	ScoreSearch(ctx context.Context, terms []TextTerm, seqs []int64) (map[int64]float64, error)
	// SearchIndexState counts what waits to be indexed and gives the newest
	// document's Seq; it is read by every search, so it must stay cheap
	// (no count of the documents).
	SearchIndexState(ctx context.Context) (*SearchIndexState, error)

	// CreatePointers stores issued pointers (their items stay server-side).
	CreatePointers(ctx context.Context, ps []*Pointer) error
	// DeletePointers removes pointers issued before t (expired handles);
	// access requests made with them keep their own copy of the items.
	DeletePointers(ctx context.Context, before time.Time) (int64, error)
	// FindPointer returns a pointer; ENOTFOUND.
	FindPointer(ctx context.Context, id ID) (*Pointer, error)

	// CreateAccessRequest inserts r; EINVALID (requester_id) for an unknown user.
	CreateAccessRequest(ctx context.Context, r *AccessRequest) error
	// UpdateAccessRequest overwrites r by id; ENOTFOUND.
	UpdateAccessRequest(ctx context.Context, r *AccessRequest) error
	// FindAccessRequest returns a request; ENOTFOUND.
	FindAccessRequest(ctx context.Context, id ID) (*AccessRequest, error)
	// ListAccessRequests returns requests in id order after p.After.
	ListAccessRequests(ctx context.Context, f AccessRequestFilter, p Page) ([]*AccessRequest, error)

	// CreateGrant inserts g; EINVALID (user_id) for an unknown user.
	CreateGrant(ctx context.Context, g *Grant) error
	// UpdateGrant overwrites g by id (revocation); ENOTFOUND.
	UpdateGrant(ctx context.Context, g *Grant) error
	// FindGrant returns a grant; ENOTFOUND.
	FindGrant(ctx context.Context, id ID) (*Grant, error)
	// ListGrants returns grants in id order after p.After.
	ListGrants(ctx context.Context, f GrantFilter, p Page) ([]*Grant, error)

	// CreateSavedSearch inserts s; EINVALID (user_id), ECONFLICT (name) if
	// the user already has a saved search of that name.
	CreateSavedSearch(ctx context.Context, s *SavedSearch) error
	// UpdateSavedSearch overwrites s by id; ENOTFOUND.
	UpdateSavedSearch(ctx context.Context, s *SavedSearch) error
	// DeleteSavedSearch removes a user's saved search; ENOTFOUND.
	DeleteSavedSearch(ctx context.Context, userID, id ID) error
	// FindSavedSearch returns a saved search; ENOTFOUND.
	FindSavedSearch(ctx context.Context, id ID) (*SavedSearch, error)
	// ListSavedSearches returns a user's saved searches (every user's when
	// userID is empty) in id order after p.After.
	ListSavedSearches(ctx context.Context, userID ID, p Page) ([]*SavedSearch, error)

	// PutImportJob inserts j or overwrites it by id; EINVALID (owner_id).
	PutImportJob(ctx context.Context, j *ImportJob) error
	// FindImportJob returns the job; ENOTFOUND.
	FindImportJob(ctx context.Context, id ID) (*ImportJob, error)
	// DeleteImportJobs removes the jobs last updated before the given time
	// and returns how many went.
	DeleteImportJobs(ctx context.Context, before time.Time) (int64, error)

	// CreateSession inserts s; ECONFLICT on a reused token hash.
	CreateSession(ctx context.Context, s *Session) error
	// FindSessionByTokenHash returns the session; ENOTFOUND.
	FindSessionByTokenHash(ctx context.Context, hash string) (*Session, error)
	// UpdateSession overwrites s by id; ENOTFOUND.
	UpdateSession(ctx context.Context, s *Session) error
	// DeleteSession removes a session; deleting a missing one is not an error.
	DeleteSession(ctx context.Context, id ID) error
	// DeleteUserSessions removes every session of a user.
	DeleteUserSessions(ctx context.Context, userID ID) error

	// CreateToken inserts t; ECONFLICT on a reused hash, EINVALID (user_id).
	CreateToken(ctx context.Context, t *APIToken) error
	// FindTokenByHash returns the token; ENOTFOUND.
	FindTokenByHash(ctx context.Context, hash string) (*APIToken, error)
	// FindTokenByID returns the token; ENOTFOUND.
	FindTokenByID(ctx context.Context, id ID) (*APIToken, error)
	// UpdateToken overwrites t's last use and revocation; ENOTFOUND.
	UpdateToken(ctx context.Context, t *APIToken) error
	// ListTokens returns a user's tokens in id order after p.After.
	ListTokens(ctx context.Context, userID ID, p Page) ([]*APIToken, error)

	// AddLoginAttempt records an attempt.
	AddLoginAttempt(ctx context.Context, a *LoginAttempt) error
	// CountLoginFailures counts a user's failed attempts at or after since
	// and after their last success.
	CountLoginFailures(ctx context.Context, userID ID, since time.Time) (int, error)

	// ReplaceRecoveryCodes discards a user's recovery codes and stores hashes.
	ReplaceRecoveryCodes(ctx context.Context, userID ID, hashes []string) error
	// UseRecoveryCode marks one unused code used; ENOTFOUND if there is none.
	UseRecoveryCode(ctx context.Context, userID ID, hash string, at time.Time) error
	// CountRecoveryCodes counts a user's unused recovery codes.
	CountRecoveryCodes(ctx context.Context, userID ID) (int, error)

	// QueueAuditEvent records e in the transaction of the act it audits. The
	// sequencer later gives it its index and Merkle leaf (audit.Sequence).
	QueueAuditEvent(ctx context.Context, e *AuditEvent) error
	// ListQueuedAuditEvents returns up to limit queued events, oldest id first.
	ListQueuedAuditEvents(ctx context.Context, limit int) ([]*AuditEvent, error)
	// DeleteQueuedAuditEvents removes sequenced events from the queue.
	DeleteQueuedAuditEvents(ctx context.Context, ids []ID) error
	// LockAuditLog serialises audit appends until the transaction ends: an
	// advisory lock on PostgreSQL; SQLite's single writer already does.
	LockAuditLog(ctx context.Context) error
	// AuditLogSize returns the number of entries in the audit log.
	AuditLogSize(ctx context.Context) (int64, error)
	// ReadAuditHashes returns the stored Merkle tree hashes at the given
	// stored-hash indexes (tlog.StoredHashIndex); ENOTFOUND if one is missing.
	ReadAuditHashes(ctx context.Context, indexes []int64) ([]Hash, error)
	// AppendAuditEvents stores sequenced entries at their indexes with the
	// tree hashes their leaves add. ECONFLICT (field index) if an index is
	// taken: a sequencer that skipped the lock.
	AppendAuditEvents(ctx context.Context, entries []AuditAppend) error
	// ListAuditEvents returns events in log order with index > p.After
	// (a decimal index; empty for the start).
	ListAuditEvents(ctx context.Context, f AuditFilter, p Page) ([]*AuditEvent, error)
	// ScanAuditEntries calls fn for every entry with from <= index < to, in
	// index order, with its canonical bytes and the leaf hash stored beside
	// it; an error from fn stops the scan.
	ScanAuditEntries(ctx context.Context, from, to int64, fn func(index int64, entry []byte, leaf Hash) error) error
	// ScanAuditIndex calls fn for every entry with the searchable columns
	// kept beside it (the index ListAuditEvents filters on), in index order.
	ScanAuditIndex(ctx context.Context, fn func(index int64, entry []byte, indexed *AuditEvent) error) error
	// ScanAuditHashes calls fn for every stored tree hash with index < to, in order.
	ScanAuditHashes(ctx context.Context, to int64, fn func(index int64, h Hash) error) error
	// CountAuditActions counts events per month, action and outcome in [since, until).
	CountAuditActions(ctx context.Context, since, until time.Time) ([]ActionCount, error)

	// AddCheckpoint stores a signed tree head; ECONFLICT if one of that size exists.
	AddCheckpoint(ctx context.Context, c *Checkpoint) error
	// UpdateCheckpointNote replaces the note of a checkpoint (co-signatures); ENOTFOUND.
	UpdateCheckpointNote(ctx context.Context, size int64, note string) error
	// FindCheckpoint returns the checkpoint of that size, or the latest for
	// size < 0; ENOTFOUND.
	FindCheckpoint(ctx context.Context, size int64) (*Checkpoint, error)
	// ListCheckpoints returns checkpoints, newest first, with size < before (all if before <= 0).
	ListCheckpoints(ctx context.Context, before int64, limit int) ([]*Checkpoint, error)
	// PutAuditKey records a checkpoint verifier key (note format) once.
	PutAuditKey(ctx context.Context, verifierKey string, at time.Time) error
	// ListAuditKeys returns the verifier keys recorded so far.
	ListAuditKeys(ctx context.Context) ([]string, error)

	// CreateDissemination records a release; EINVALID (recipient_user_id) if the user does not exist.
	CreateDissemination(ctx context.Context, d *Dissemination) error
	// CreateDisseminations records many releases to one recipient at once;
	// EINVALID (recipient_user_id) as CreateDissemination.
	CreateDisseminations(ctx context.Context, ds []*Dissemination) error
	// ListDisseminations returns releases in id order after p.After.
	ListDisseminations(ctx context.Context, f DisseminationFilter, p Page) ([]*Dissemination, error)

	// ClaimIdempotencyKey inserts r with Status 0; ECONFLICT if the key exists.
	ClaimIdempotencyKey(ctx context.Context, r *IdempotencyRecord) error
	// FindIdempotencyKey returns the record; ENOTFOUND.
	FindIdempotencyKey(ctx context.Context, key string) (*IdempotencyRecord, error)
	// CompleteIdempotencyKey stores the response for a claimed key; ENOTFOUND.
	CompleteIdempotencyKey(ctx context.Context, r *IdempotencyRecord) error
	// DeleteIdempotencyKey forgets a key (when its request failed to run).
	DeleteIdempotencyKey(ctx context.Context, key string) error
}
