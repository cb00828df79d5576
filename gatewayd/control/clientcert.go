package control

import (
	"context"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/pki"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// Client certificates are keyed by id and belong to no API, as API Gateway's. The server generates
// the key pair and a self-signed certificate; the private key is sealed with the data directory's key
// (as certificate keys are) and reaches only the data plane, inside the releases of the stages that
// name it. The key pair never changes, so a change of description or tags reloads nothing.

func clientCertificateWhat(id string) string { return "client certificate " + id }

// clientCertificateAAD binds sealed client certificate keys to their use.
const clientCertificateAAD = "gatewayd client certificate key"

type clientCertificateRecord struct {
	model.ClientCertificate
	SealedKey string `json:"sealed_key"`
}

func getClientCertificateRecord(tx store.Tx, id string) (clientCertificateRecord, error) {
	rec, ver, err := getJSON[clientCertificateRecord](tx, store.KindClientCertificate, "", id, clientCertificateWhat(id))
	rec.Version = ver
	return rec, err
}

// withCertARN fills a client certificate's read-only ARN.
func (s *Service) withCertARN(c model.ClientCertificate) model.ClientCertificate {
	c.ARN = "arn:aws:apigateway:" + s.region() + "::/clientcertificates/" + c.ID
	return c
}

// GenerateClientCertificate creates a client certificate: a new key pair and a self-signed
// certificate valid for model.ClientCertificateValidity.
func (s *Service) GenerateClientCertificate(ctx context.Context, in model.ClientCertificate) (model.ClientCertificate, error) {
	if err := in.Validate(); err != nil {
		return model.ClientCertificate{}, invalid(err)
	}
	in.ID = randomString(6, idAlphabet)
	in.ARN = "" // derived on read
	now := s.now()
	certPEM, keyPEM, err := pki.SelfSignedClient("gatewayd client certificate "+in.ID, now, model.ClientCertificateValidity)
	if err != nil {
		return model.ClientCertificate{}, internal(err)
	}
	sealed, err := s.sealWith(string(keyPEM), clientCertificateAAD)
	if err != nil {
		return model.ClientCertificate{}, internal(err)
	}
	in.PEMEncodedCertificate = string(certPEM)
	in.CreatedDate, in.ExpirationDate = now, now.Add(model.ClientCertificateValidity)
	err = s.update(ctx, func(t *txn) error {
		var err error
		in.Version, err = putJSON(t, store.KindClientCertificate, "", in.ID, clientCertificateRecord{ClientCertificate: in, SealedKey: sealed}, store.ExpectAbsent, clientCertificateWhat(in.ID))
		return err
	})
	return s.withCertARN(in), err
}

// GetClientCertificate returns a client certificate, without its private key.
func (s *Service) GetClientCertificate(ctx context.Context, id string) (model.ClientCertificate, error) {
	var out model.ClientCertificate
	err := s.view(ctx, func(tx store.Tx) error {
		rec, err := getClientCertificateRecord(tx, id)
		out = rec.ClientCertificate
		return err
	})
	return s.withCertARN(out), err
}

// ListClientCertificates returns every client certificate, by id.
func (s *Service) ListClientCertificates(ctx context.Context) ([]model.ClientCertificate, error) {
	var out []model.ClientCertificate
	err := s.view(ctx, func(tx store.Tx) error {
		recs, err := listJSON(tx, store.KindClientCertificate, "", "", func(r *clientCertificateRecord, v int64) { r.Version = v })
		for _, r := range recs {
			out = append(out, s.withCertARN(r.ClientCertificate))
		}
		return err
	})
	return out, err
}

// UpdateClientCertificate replaces a client certificate's description and tags; the rest is the
// server's.
func (s *Service) UpdateClientCertificate(ctx context.Context, id string, in model.ClientCertificate, pre Precondition) (model.ClientCertificate, error) {
	if err := checkKey("id", in.ID, id); err != nil {
		return model.ClientCertificate{}, err
	}
	if err := in.Validate(); err != nil {
		return model.ClientCertificate{}, invalid(err)
	}
	var out model.ClientCertificate
	err := s.update(ctx, func(t *txn) error {
		rec, err := getClientCertificateRecord(t, id)
		if err != nil {
			return err
		}
		if pre.IfNoneMatch {
			return conflict("%s already exists", clientCertificateWhat(id))
		}
		rec.Description, rec.Tags = in.Description, in.Tags
		if rec.Version, err = putJSON(t, store.KindClientCertificate, "", id, rec, pre.expect(), clientCertificateWhat(id)); err != nil {
			return err
		}
		out = s.withCertARN(rec.ClientCertificate)
		return nil
	})
	return out, err
}

// DeleteClientCertificate deletes a client certificate no stage names (409 otherwise: the stage would
// lose its identity towards its backends without anyone deciding so).
func (s *Service) DeleteClientCertificate(ctx context.Context, id string, pre Precondition) error {
	return s.update(ctx, func(t *txn) error {
		if _, err := getClientCertificateRecord(t, id); err != nil {
			return err
		}
		apis, err := listJSON[model.RestAPI](t, store.KindRestAPI, "", "", nil)
		if err != nil {
			return err
		}
		for _, a := range apis {
			stages, err := listJSON[stageRecord](t, store.KindStage, a.ID, "", nil)
			if err != nil {
				return err
			}
			for _, st := range stages {
				if st.ClientCertificateID == id {
					return conflict("%s is in use by stage %s of rest api %s; clear the stage's client_certificate_id or delete the stage first", clientCertificateWhat(id), st.StageName, a.ID)
				}
			}
		}
		return deleteRecord(t, store.KindClientCertificate, "", id, pre.expect(), clientCertificateWhat(id))
	})
}

// checkClientCertificate checks that a stage's client_certificate_id names a client certificate.
func checkClientCertificate(tx store.Tx, id string) error {
	if id == "" {
		return nil
	}
	if _, err := getClientCertificateRecord(tx, id); err != nil {
		if IsNotFound(err) {
			return unprocessable("client_certificate_id", "client_certificate_id %q is not a client certificate", id)
		}
		return err
	}
	return nil
}

// clientKeyPair returns the key pair of a stage's client certificate, nil for none.
func (s *Service) clientKeyPair(tx store.Tx, id string) (*model.TLSKeyPair, error) {
	if id == "" {
		return nil, nil
	}
	rec, err := getClientCertificateRecord(tx, id)
	if err != nil {
		return nil, err
	}
	key, err := s.unsealWith(rec.SealedKey, clientCertificateAAD)
	if err != nil {
		return nil, internal(err)
	}
	return &model.TLSKeyPair{CertificatePEM: rec.PEMEncodedCertificate, PrivateKeyPEM: key}, nil
}
