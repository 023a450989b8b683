package glassbox

import "time"

// GitHistoryType identifies version 1 of the git history record.
const GitHistoryType = "https://glassbox.dev/git-history/v1"

// MaxHistoryCommits is how many commits a history record holds, newest
// first: enough to see a project's practice, bounded for hostile
// repositories.
const MaxHistoryCommits = 1000

// MaxHistoryTags is how many tags of the release commit a history record
// holds.
const MaxHistoryTags = 100

// GitHistory is what the centre read of a release's git history when it
// was submitted: the commits reachable from the release commit, newest
// first, and the tags that point at it. It depends on the commit, not on
// the name the vendor gave it (a tag, a branch or the commit id), so the
// same commit submitted under any of them is the same release. It is
// stored as a blob and named by the release manifest, so the checks of how
// the project is run (package practice) decide from content-addressed
// evidence. Signatures are recorded as present, by type; whose key made
// them is not something the centre can know.
type GitHistory struct {
	Type   string `json:"_type"`
	Commit string `json:"commit"`
	// Tags are the tags that point at the commit, by name (at most
	// MaxHistoryTags).
	Tags    []GitTag    `json:"tags,omitempty"`
	Commits []GitCommit `json:"commits"`
	// Truncated is true when there are more commits than recorded
	// (MaxHistoryCommits), or the repository was a shallow clone.
	Truncated bool `json:"truncated"`
	// Shallow is true when the repository itself lacked older history.
	Shallow bool `json:"shallow,omitempty"`
}

// GitCommit is one commit of a history record.
type GitCommit struct {
	ID             string    `json:"id"`
	Parents        []string  `json:"parents,omitempty"`
	Author         string    `json:"author"`
	AuthorEmail    string    `json:"author_email"`
	AuthorTime     time.Time `json:"author_time"`
	Committer      string    `json:"committer"`
	CommitterEmail string    `json:"committer_email"`
	CommitTime     time.Time `json:"commit_time"`
	// Signature is the type of the signature the commit carries: "openpgp",
	// "ssh", "x509", or "" for none.
	Signature string `json:"signature,omitempty"`
	Subject   string `json:"subject"`
	// SignedOffBy are the values of the message's Signed-off-by trailers.
	SignedOffBy []string `json:"signed_off_by,omitempty"`
}

// GitTag is a tag of the release commit: a lightweight one is a name; an
// annotated one has a tagger, a message and perhaps a signature.
type GitTag struct {
	Name        string    `json:"name"`
	Annotated   bool      `json:"annotated"`
	Tagger      string    `json:"tagger,omitempty"`
	TaggerEmail string    `json:"tagger_email,omitempty"`
	Time        time.Time `json:"time,omitzero"`
	Message     string    `json:"message,omitempty"` // without the signature
	Signature   string    `json:"signature,omitempty"`
}
