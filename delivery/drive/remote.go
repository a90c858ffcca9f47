package drive

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	gdrive "google.golang.org/api/drive/v3"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
)

// FolderMimeType is Drive's type of a folder.
const FolderMimeType = "application/vnd.google-apps.folder"

// Scope is the OAuth scope the appliance asks for: only the files it creates.
const Scope = gdrive.DriveFileScope

// The appProperties every object Attesta creates carries: its job and its path in the delivery folder ("" for the
// folder itself).
const (
	propJob  = "attesta_job"
	propPath = "attesta_path"
)

// Errors a caller branches on.
var (
	// ErrChecksum: Drive's checksum of an upload is not the file's (the copy is deleted and sent again).
	ErrChecksum = errors.New("drive: checksum mismatch")
	// ErrLocalChanged: a file of the delivery folder is not the one the manifest or the job recorded.
	ErrLocalChanged = errors.New("drive: delivery file changed on the appliance")
	// ErrQuota: the Drive account is full.
	ErrQuota = errors.New("drive: storage quota exceeded")
	// ErrUnauthorized: Drive refused the token (expired early or revoked).
	ErrUnauthorized = errors.New("drive: unauthorized")
)

// remote is one Drive account, through the real client library.
type remote struct {
	svc *gdrive.Service
}

// newRemote talks to Drive at endpoint ("" for Google's) through client, which adds the account's token.
func newRemote(ctx context.Context, endpoint string, client *http.Client) (*remote, error) {
	opts := []option.ClientOption{option.WithHTTPClient(client)}
	if endpoint != "" {
		opts = append(opts, option.WithEndpoint(endpoint))
	}
	svc, err := gdrive.NewService(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("drive: %w", err)
	}
	return &remote{svc: svc}, nil
}

// quote makes s a string literal of Drive's query language.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// folder returns the Drive folder of job at path under parent and its name, creating it when no earlier attempt
// did. A delivery folder (path "") whose name another folder of parent has already takes the first free name
// name-2 … name-99, as delivery folders on the appliance do.
func (r *remote) folder(ctx context.Context, name, parent, job, path string) (string, string, error) {
	q := fmt.Sprintf("%s in parents and trashed = false and mimeType = %s and appProperties has { key=%s and value=%s } and appProperties has { key=%s and value=%s }",
		quote(parent), quote(FolderMimeType), quote(propJob), quote(job), quote(propPath), quote(path))
	list, err := r.svc.Files.List().Q(q).Fields("files(id,name)").Context(ctx).Do()
	if err != nil {
		return "", "", classify("list folders", err)
	}
	if len(list.Files) > 0 && list.Files[0].Id != "" {
		return list.Files[0].Id, list.Files[0].Name, nil
	}
	if path == "" {
		if name, err = r.freeName(ctx, parent, name); err != nil {
			return "", "", err
		}
	}
	f, err := r.svc.Files.Create(&gdrive.File{Name: name, MimeType: FolderMimeType, Parents: []string{parent},
		AppProperties: map[string]string{propJob: job, propPath: path}}).Fields("id").Context(ctx).Do()
	if err != nil {
		return "", "", classify("create folder", err)
	}
	if f.Id == "" {
		return "", "", errors.New("drive: create folder: no id in Drive's answer")
	}
	return f.Id, name, nil
}

// freeName returns base, or the first of base-2 … base-99 that no folder of parent is named.
func (r *remote) freeName(ctx context.Context, parent, base string) (string, error) {
	for n := 1; n < 100; n++ {
		name := base
		if n > 1 {
			name = fmt.Sprintf("%s-%d", base, n)
		}
		q := fmt.Sprintf("%s in parents and trashed = false and mimeType = %s and name = %s", quote(parent), quote(FolderMimeType), quote(name))
		list, err := r.svc.Files.List().Q(q).Fields("files(id)").Context(ctx).Do()
		if err != nil {
			return "", classify("list folders", err)
		}
		if len(list.Files) == 0 {
			return name, nil
		}
	}
	return "", fmt.Errorf("drive: 99 folders are named %s already", base)
}

// Uploaded is a file as Drive reports it after an upload.
type Uploaded struct {
	ID     string
	MD5    string
	SHA256 string // "" when Drive did not give it
	Size   int64
}

// localDigests hashes the file at path.
func localDigests(path string) (md5hex, sha256hex string, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", 0, err
	}
	defer f.Close()
	m, s := md5.New(), sha256.New()
	size, err = io.Copy(io.MultiWriter(m, s), f)
	if err != nil {
		return "", "", 0, err
	}
	return hex.EncodeToString(m.Sum(nil)), hex.EncodeToString(s.Sum(nil)), size, nil
}

// checkUploaded compares what Drive says it stored with the file: size, md5Checksum, and sha256Checksum when
// Drive gives one.
func checkUploaded(f *gdrive.File, md5hex, sha256hex string, size int64) (Uploaded, error) {
	if f == nil || f.Id == "" {
		return Uploaded{}, fmt.Errorf("%w: Drive's answer names no file", ErrChecksum)
	}
	u := Uploaded{ID: f.Id, MD5: strings.ToLower(f.Md5Checksum), SHA256: strings.ToLower(f.Sha256Checksum), Size: f.Size}
	switch {
	case u.Size != size:
		return u, fmt.Errorf("%w: file %s: Drive holds %d bytes, the file has %d", ErrChecksum, u.ID, u.Size, size)
	case u.MD5 != md5hex:
		return u, fmt.Errorf("%w: file %s: Drive's md5Checksum %q, the file's %s", ErrChecksum, u.ID, f.Md5Checksum, md5hex)
	case u.SHA256 != "" && u.SHA256 != sha256hex:
		return u, fmt.Errorf("%w: file %s: Drive's sha256Checksum %q, the file's %s", ErrChecksum, u.ID, f.Sha256Checksum, sha256hex)
	}
	return u, nil
}

const uploadedFields = "id,size,md5Checksum,sha256Checksum"

// upload sends the file at path into parent with a resumable upload and checks Drive's checksums against the
// file's, whose SHA-256 must be wantSHA. A copy an earlier attempt stored (found by its appProperties) is kept
// when it matches, and deleted when it does not.
func (r *remote) upload(ctx context.Context, parent, name, path, job, rel, wantSHA string) (Uploaded, error) {
	md5hex, sha256hex, size, err := localDigests(path)
	if err != nil {
		return Uploaded{}, fmt.Errorf("drive: %s: %w", rel, err)
	}
	if sha256hex != wantSHA {
		return Uploaded{}, fmt.Errorf("%w: %s: SHA-256 %s, recorded %s", ErrLocalChanged, rel, sha256hex, wantSHA)
	}
	q := fmt.Sprintf("%s in parents and trashed = false and appProperties has { key=%s and value=%s } and appProperties has { key=%s and value=%s }",
		quote(parent), quote(propJob), quote(job), quote(propPath), quote(rel))
	list, err := r.svc.Files.List().Q(q).Fields("files(" + uploadedFields + ")").Context(ctx).Do()
	if err != nil {
		return Uploaded{}, classify("list "+rel, err)
	}
	for _, f := range list.Files {
		if u, err := checkUploaded(f, md5hex, sha256hex, size); err == nil {
			return u, nil
		}
		if err := r.delete(ctx, f.Id); err != nil {
			return Uploaded{}, err
		}
	}
	file, err := os.Open(path)
	if err != nil {
		return Uploaded{}, fmt.Errorf("drive: %s: %w", rel, err)
	}
	defer file.Close()
	// ResumableMedia is the library's only way to make every upload resumable whatever its size (Media turns
	// anything smaller than a chunk into a multipart upload).
	//lint:ignore SA1019 see above
	call := r.svc.Files.Create(&gdrive.File{Name: name, Parents: []string{parent},
		AppProperties: map[string]string{propJob: job, propPath: rel}}).
		ResumableMedia(ctx, file, size, "application/octet-stream")
	f, err := call.Fields(uploadedFields).Do()
	if err != nil {
		return Uploaded{}, classify("upload "+rel, err)
	}
	u, err := checkUploaded(f, md5hex, sha256hex, size)
	if err != nil {
		if derr := r.delete(ctx, u.ID); derr != nil && u.ID != "" {
			err = errors.Join(err, derr)
		}
		return Uploaded{}, fmt.Errorf("drive: %s: %w", rel, err)
	}
	return u, nil
}

// delete removes a file or folder (a folder with what it holds); one already gone is not an error.
func (r *remote) delete(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	err := r.svc.Files.Delete(id).Context(ctx).Do()
	if isStatus(err, http.StatusNotFound) {
		return nil
	}
	if err != nil {
		return classify("delete "+id, err)
	}
	return nil
}

// Permission is a sharing permission Attesta created.
type Permission struct {
	ID   string `json:"id"`
	Type string `json:"type"` // anyone, user
}

// share gives read access to the folder: to anyone with the link, or to each address of emails (no notification
// e-mail: the list of links is the only thing the appliance sends).
func (r *remote) share(ctx context.Context, id string, anyone bool, email string) (Permission, error) {
	p := &gdrive.Permission{Type: "anyone", Role: "reader"}
	call := r.svc.Permissions.Create(id, p)
	if !anyone {
		p.Type, p.EmailAddress = "user", email
		call = r.svc.Permissions.Create(id, p).SendNotificationEmail(false)
	}
	got, err := call.Fields("id,type").Context(ctx).Do()
	if err != nil {
		return Permission{}, classify("share "+id, err)
	}
	if got.Id == "" {
		return Permission{}, fmt.Errorf("drive: share %s: no permission id in Drive's answer", id)
	}
	return Permission{ID: got.Id, Type: p.Type}, nil
}

// unshare removes a permission; one already gone is not an error.
func (r *remote) unshare(ctx context.Context, id, perm string) error {
	err := r.svc.Permissions.Delete(id, perm).Context(ctx).Do()
	if err != nil && !isStatus(err, http.StatusNotFound) {
		return classify("unshare "+id, err)
	}
	return nil
}

// link is the folder's direct link.
func (r *remote) link(ctx context.Context, id string) (string, error) {
	f, err := r.svc.Files.Get(id).Fields("webViewLink").Context(ctx).Do()
	if err != nil {
		return "", classify("link of "+id, err)
	}
	if !strings.HasPrefix(f.WebViewLink, "https://") && !strings.HasPrefix(f.WebViewLink, "http://") {
		return "", fmt.Errorf("drive: link of %s: Drive gave %q, not a web link", id, f.WebViewLink)
	}
	return f.WebViewLink, nil
}

func isStatus(err error, code int) bool {
	var ge *googleapi.Error
	return errors.As(err, &ge) && ge.Code == code
}

// classify wraps a Drive error: 401 as ErrUnauthorized, a full quota as ErrQuota, keeping Google's error (and its
// Retry-After header) for the queue.
func classify(what string, err error) error {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		switch {
		case ge.Code == http.StatusUnauthorized:
			return fmt.Errorf("drive: %s: %w: %w", what, ErrUnauthorized, err)
		case ge.Code == http.StatusForbidden && hasReason(ge, "storageQuotaExceeded", "quotaExceeded"):
			return fmt.Errorf("drive: %s: %w: %w", what, ErrQuota, err)
		}
	}
	return fmt.Errorf("drive: %s: %w", what, err)
}

func hasReason(ge *googleapi.Error, reasons ...string) bool {
	for _, it := range ge.Errors {
		for _, r := range reasons {
			if it.Reason == r {
				return true
			}
		}
	}
	return false
}
