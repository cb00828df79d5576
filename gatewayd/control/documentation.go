package control

import (
	"context"
	"sort"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// Documentation parts (by id) and versions (by name) belong to their API and are deleted with it.
// A version keeps a copy of the parts as they were when it was made, as in API Gateway; a stage's
// documentation_version names the version its exports carry. Nothing here reaches the data plane.

func docPartWhat(apiID, id string) string {
	return "documentation part " + id + " of rest api " + apiID
}

func docVersionWhat(apiID, v string) string {
	return "documentation version " + v + " of rest api " + apiID
}

// docVersionRecord is a version as stored, with its copy of the parts.
type docVersionRecord struct {
	model.DocumentationVersion
	Parts []model.DocumentationPart `json:"parts"`
}

func setDocPartVersion(p *model.DocumentationPart, v int64) { p.Version = v }

// checkDocLocationFree refuses a second part at a location (API Gateway's ConflictException).
func checkDocLocationFree(tx store.Tx, apiID, selfID string, loc model.DocumentationLocation) error {
	parts, err := listJSON(tx, store.KindDocumentationPart, apiID, "", setDocPartVersion)
	if err != nil {
		return err
	}
	key := loc.Key()
	for _, p := range parts {
		if p.ID != selfID && p.Location.Key() == key {
			return conflict("documentation part %s of rest api %s already documents that location; import it (ID %s/%s) or change it", p.ID, apiID, apiID, p.ID)
		}
	}
	return nil
}

// CreateDocumentationPart adds a documentation part to an API.
func (s *Service) CreateDocumentationPart(ctx context.Context, apiID string, in model.DocumentationPart) (model.DocumentationPart, error) {
	if err := in.Validate(); err != nil {
		return model.DocumentationPart{}, invalid(err)
	}
	in.RestAPIID, in.ID = apiID, randomString(6, idAlphabet)
	err := s.update(ctx, func(t *txn) error {
		if _, err := getAPI(t, apiID); err != nil {
			return err
		}
		if err := checkDocLocationFree(t, apiID, "", in.Location); err != nil {
			return err
		}
		var err error
		in.Version, err = putJSON(t, store.KindDocumentationPart, apiID, in.ID, in, store.ExpectAbsent, docPartWhat(apiID, in.ID))
		return err
	})
	return in, err
}

// GetDocumentationPart returns one documentation part.
func (s *Service) GetDocumentationPart(ctx context.Context, apiID, id string) (model.DocumentationPart, error) {
	var out model.DocumentationPart
	err := s.view(ctx, func(tx store.Tx) error {
		if _, err := getAPI(tx, apiID); err != nil {
			return err
		}
		p, ver, err := getJSON[model.DocumentationPart](tx, store.KindDocumentationPart, apiID, id, docPartWhat(apiID, id))
		out, out.Version = p, ver
		return err
	})
	return out, err
}

// ListDocumentationParts returns an API's documentation parts, by id.
func (s *Service) ListDocumentationParts(ctx context.Context, apiID string) ([]model.DocumentationPart, error) {
	var out []model.DocumentationPart
	err := s.view(ctx, func(tx store.Tx) (err error) {
		if _, err := getAPI(tx, apiID); err != nil {
			return err
		}
		out, err = listJSON(tx, store.KindDocumentationPart, apiID, "", setDocPartVersion)
		return err
	})
	return out, err
}

// UpdateDocumentationPart replaces a part's location and properties.
func (s *Service) UpdateDocumentationPart(ctx context.Context, apiID, id string, in model.DocumentationPart, pre Precondition) (model.DocumentationPart, error) {
	if err := checkKey("id", in.ID, id); err != nil {
		return model.DocumentationPart{}, err
	}
	if err := in.Validate(); err != nil {
		return model.DocumentationPart{}, invalid(err)
	}
	in.RestAPIID, in.ID = apiID, id
	err := s.update(ctx, func(t *txn) error {
		if _, _, err := getJSON[model.DocumentationPart](t, store.KindDocumentationPart, apiID, id, docPartWhat(apiID, id)); err != nil {
			return err
		}
		if pre.IfNoneMatch {
			return conflict("%s already exists", docPartWhat(apiID, id))
		}
		if err := checkDocLocationFree(t, apiID, id, in.Location); err != nil {
			return err
		}
		var err error
		in.Version, err = putJSON(t, store.KindDocumentationPart, apiID, id, in, pre.expect(), docPartWhat(apiID, id))
		return err
	})
	return in, err
}

// DeleteDocumentationPart deletes a part; the versions made before keep their copy.
func (s *Service) DeleteDocumentationPart(ctx context.Context, apiID, id string, pre Precondition) error {
	return s.update(ctx, func(t *txn) error {
		return deleteRecord(t, store.KindDocumentationPart, apiID, id, pre.expect(), docPartWhat(apiID, id))
	})
}

func getDocVersion(tx store.Tx, apiID, version string) (docVersionRecord, error) {
	rec, ver, err := getJSON[docVersionRecord](tx, store.KindDocumentationVersion, apiID, version, docVersionWhat(apiID, version))
	rec.Revision = ver
	return rec, err
}

// CreateDocumentationVersion names a copy of the API's documentation parts as they are now.
func (s *Service) CreateDocumentationVersion(ctx context.Context, apiID string, in model.DocumentationVersion) (model.DocumentationVersion, error) {
	if err := in.Validate(); err != nil {
		return model.DocumentationVersion{}, invalid(err)
	}
	in.RestAPIID, in.CreatedDate = apiID, s.now()
	err := s.update(ctx, func(t *txn) error {
		if _, err := getAPI(t, apiID); err != nil {
			return err
		}
		if _, err := getDocVersion(t, apiID, in.Version); err == nil {
			return conflict("%s already exists; import it (ID %s/%s) or choose another version", docVersionWhat(apiID, in.Version), apiID, in.Version)
		}
		parts, err := listJSON[model.DocumentationPart](t, store.KindDocumentationPart, apiID, "", nil)
		if err != nil {
			return err
		}
		in.Revision, err = putJSON(t, store.KindDocumentationVersion, apiID, in.Version, docVersionRecord{DocumentationVersion: in, Parts: parts}, store.ExpectAbsent, docVersionWhat(apiID, in.Version))
		return err
	})
	return in, err
}

// GetDocumentationVersion returns one documentation version, without its parts.
func (s *Service) GetDocumentationVersion(ctx context.Context, apiID, version string) (model.DocumentationVersion, error) {
	var out model.DocumentationVersion
	err := s.view(ctx, func(tx store.Tx) error {
		if _, err := getAPI(tx, apiID); err != nil {
			return err
		}
		rec, err := getDocVersion(tx, apiID, version)
		out = rec.DocumentationVersion
		return err
	})
	return out, err
}

// ListDocumentationVersions returns an API's documentation versions, by name.
func (s *Service) ListDocumentationVersions(ctx context.Context, apiID string) ([]model.DocumentationVersion, error) {
	var out []model.DocumentationVersion
	err := s.view(ctx, func(tx store.Tx) error {
		if _, err := getAPI(tx, apiID); err != nil {
			return err
		}
		recs, err := listJSON(tx, store.KindDocumentationVersion, apiID, "", func(r *docVersionRecord, v int64) { r.Revision = v })
		for _, r := range recs {
			out = append(out, r.DocumentationVersion)
		}
		return err
	})
	return out, err
}

// UpdateDocumentationVersion replaces a version's description; its parts never change.
func (s *Service) UpdateDocumentationVersion(ctx context.Context, apiID, version string, in model.DocumentationVersion, pre Precondition) (model.DocumentationVersion, error) {
	if err := checkKey("version", in.Version, version); err != nil {
		return model.DocumentationVersion{}, err
	}
	if err := in.Validate(); err != nil {
		return model.DocumentationVersion{}, invalid(err)
	}
	var out model.DocumentationVersion
	err := s.update(ctx, func(t *txn) error {
		rec, err := getDocVersion(t, apiID, version)
		if err != nil {
			return err
		}
		if pre.IfNoneMatch {
			return conflict("%s already exists", docVersionWhat(apiID, version))
		}
		expect := store.AnyVersion
		if pre.IfMatch > 0 {
			expect = pre.IfMatch
		}
		rec.Description = in.Description
		if rec.Revision, err = putJSON(t, store.KindDocumentationVersion, apiID, version, rec, expect, docVersionWhat(apiID, version)); err != nil {
			return err
		}
		out = rec.DocumentationVersion
		return nil
	})
	return out, err
}

// DeleteDocumentationVersion deletes a version no stage names (409 otherwise).
func (s *Service) DeleteDocumentationVersion(ctx context.Context, apiID, version string, pre Precondition) error {
	return s.update(ctx, func(t *txn) error {
		stages, err := listJSON[stageRecord](t, store.KindStage, apiID, "", nil)
		if err != nil {
			return err
		}
		for _, st := range stages {
			if st.DocumentationVersion == version {
				return conflict("%s is the documentation_version of stage %s; change the stage's documentation_version or delete the stage first", docVersionWhat(apiID, version), st.StageName)
			}
		}
		return deleteRecord(t, store.KindDocumentationVersion, apiID, version, pre.expect(), docVersionWhat(apiID, version))
	})
}

// checkDocumentationVersion checks that a stage's documentation_version names a version of its API.
func checkDocumentationVersion(tx store.Tx, apiID, version string) error {
	if version == "" {
		return nil
	}
	if _, err := getDocVersion(tx, apiID, version); err != nil {
		if IsNotFound(err) {
			return unprocessable("documentation_version", "documentation_version %q is not a documentation version of rest api %s; create it (gatewayd_documentation_version) first", version, apiID)
		}
		return err
	}
	return nil
}

// ExportDocumentation returns what an export of a stage carries as x-amazon-apigateway-documentation:
// the parts of the stage's documentation version, or the API's current parts when it names none; nil
// when there are none.
func (s *Service) ExportDocumentation(ctx context.Context, apiID, version string) (*model.DocumentationExport, error) {
	var out model.DocumentationExport
	err := s.view(ctx, func(tx store.Tx) error {
		if version == "" {
			parts, err := listJSON[model.DocumentationPart](tx, store.KindDocumentationPart, apiID, "", nil)
			out.Parts = parts
			return err
		}
		rec, err := getDocVersion(tx, apiID, version)
		out.Version, out.CreatedDate, out.Parts = rec.Version, rec.CreatedDate, rec.Parts
		return err
	})
	if err != nil || (len(out.Parts) == 0 && out.Version == "") {
		return nil, err
	}
	sort.Slice(out.Parts, func(i, j int) bool { return out.Parts[i].ID < out.Parts[j].ID })
	return &out, nil
}
