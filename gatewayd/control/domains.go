package control

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// Domain names are keyed by name, base path mappings by "DOMAIN/BASE_PATH" (the empty base path as
// "(none)"); neither belongs to an API. A change reloads the data plane's TLS and routing table.

func domainWhat(name string) string { return "domain name " + name }

func mappingWhat(domain, key string) string {
	return "base path mapping " + key + " of domain name " + domain
}

func mappingKey(domain, key string) string { return domain + "/" + key }

// maxTruststoreBytes bounds a truststore file.
const maxTruststoreBytes = 1 << 20

// readTruststore returns the CA certificates (PEM) a domain's mutual_tls_authentication names: a
// file:// URI read now, or the PEM text itself.
func readTruststore(uri string) ([]byte, error) {
	var data []byte
	switch {
	case strings.HasPrefix(uri, "-----BEGIN"):
		data = []byte(uri)
	case strings.HasPrefix(uri, "file://"):
		u, err := url.Parse(uri)
		if err != nil || u.Host != "" || !strings.HasPrefix(u.Path, "/") {
			return nil, fmt.Errorf("truststore_uri %q must be file:///absolute/path.pem", uri)
		}
		f, err := os.Open(u.Path)
		if err != nil {
			return nil, fmt.Errorf("reading truststore_uri: %w", err)
		}
		defer f.Close()
		if data, err = io.ReadAll(io.LimitReader(f, maxTruststoreBytes+1)); err != nil {
			return nil, fmt.Errorf("reading truststore_uri: %w", err)
		}
		if len(data) > maxTruststoreBytes {
			return nil, fmt.Errorf("truststore_uri %s is larger than %d bytes", uri, maxTruststoreBytes)
		}
	default:
		return nil, fmt.Errorf("truststore_uri must be file:///absolute/path.pem or the PEM text of CA certificates (s3:// is not supported), got %.40q", uri)
	}
	rest, n := data, 0
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return nil, fmt.Errorf("truststore: %w", err)
		}
		n++
	}
	if n == 0 {
		return nil, errors.New("truststore holds no PEM CERTIFICATE block")
	}
	return data, nil
}

// checkDomainCertificate checks that the domain's certificate exists (422) and covers its name (400).
func (s *Service) checkDomainCertificate(tx store.Tx, d model.DomainName) error {
	field := "certificate_arn"
	if d.RegionalCertificateARN != "" {
		field = "regional_certificate_arn"
	}
	arn := d.CertificateARNInUse()
	id := s.certificateIDFromARN(arn)
	if id == "" {
		return unprocessable(field, "%s %q is not the ARN of a gatewayd certificate (%s...)", field, arn, s.CertificateARN(""))
	}
	rec, err := getCertificateRecord(tx, id)
	if IsNotFound(err) {
		return unprocessable(field, "%s %q names no certificate", field, arn)
	} else if err != nil {
		return err
	}
	if rec.CertificateBody == "" && rec.ValidationMethod == model.ValidationACME {
		// Not issued yet: the names it will have must cover the domain; it is served once issued.
		names := &x509.Certificate{DNSNames: append([]string{rec.DomainName}, rec.SubjectAlternativeNames...)}
		if err := names.VerifyHostname(d.DomainName); err != nil {
			return badRequest(field, "certificate %s does not cover %s: %v", arn, d.DomainName, err)
		}
		return nil
	}
	block, _ := pem.Decode([]byte(rec.CertificateBody))
	if block == nil {
		return fmt.Errorf("certificate %s: stored body is not PEM", id)
	}
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return fmt.Errorf("certificate %s: %w", id, err)
	}
	if err := leaf.VerifyHostname(d.DomainName); err != nil {
		return badRequest(field, "certificate %s does not cover %s: %v", arn, d.DomainName, err)
	}
	return nil
}

// prepareDomain validates a domain and fills what the server computes.
func (s *Service) prepareDomain(in *model.DomainName) error {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return invalid(err)
	}
	if m := in.MutualTLS; m != nil {
		if _, err := readTruststore(m.TruststoreURI); err != nil {
			return badRequest("mutual_tls_authentication.truststore_uri", "%v", err)
		}
	}
	in.ARN = "arn:aws:apigateway:" + s.region() + "::/domainnames/" + in.DomainName
	host := s.opts.TLSHost
	if host == "" {
		host = in.DomainName
	}
	in.RegionalDomainName, in.DistributionDomain = host, host
	return nil
}

// CreateDomainName adds a custom domain name.
func (s *Service) CreateDomainName(ctx context.Context, in model.DomainName) (model.DomainName, error) {
	if err := s.prepareDomain(&in); err != nil {
		return model.DomainName{}, err
	}
	in.DomainNameID = newID()
	in.CreatedDate = s.now()
	err := s.update(ctx, func(t *txn) error {
		if _, err := t.Get(store.KindDomainName, "", in.DomainName); err == nil {
			return conflict("%s already exists; import it (ID %s) or choose another name", domainWhat(in.DomainName), in.DomainName)
		}
		if err := s.checkDomainCertificate(t, in); err != nil {
			return err
		}
		var err error
		in.Version, err = putJSON(t, store.KindDomainName, "", in.DomainName, in, store.ExpectAbsent, domainWhat(in.DomainName))
		t.meteringChanged()
		return err
	})
	return in, err
}

func getDomain(tx store.Tx, name string) (model.DomainName, error) {
	d, ver, err := getJSON[model.DomainName](tx, store.KindDomainName, "", name, domainWhat(name))
	d.Version = ver
	return d, err
}

// GetDomainName returns a domain name.
func (s *Service) GetDomainName(ctx context.Context, name string) (model.DomainName, error) {
	var out model.DomainName
	err := s.view(ctx, func(tx store.Tx) (err error) {
		out, err = getDomain(tx, name)
		return err
	})
	return out, err
}

// ListDomainNames returns every domain name, by name.
func (s *Service) ListDomainNames(ctx context.Context) ([]model.DomainName, error) {
	var out []model.DomainName
	err := s.view(ctx, func(tx store.Tx) (err error) {
		out, err = listJSON(tx, store.KindDomainName, "", "", func(d *model.DomainName, v int64) { d.Version = v })
		return err
	})
	return out, err
}

// UpdateDomainName replaces a domain's certificate, security policy, mutual TLS, endpoint
// configuration and tags; the name is its key.
func (s *Service) UpdateDomainName(ctx context.Context, name string, in model.DomainName, pre Precondition) (model.DomainName, error) {
	if err := checkKey("domain_name", in.DomainName, name); err != nil {
		return model.DomainName{}, err
	}
	in.DomainName = name
	if err := s.prepareDomain(&in); err != nil {
		return model.DomainName{}, err
	}
	var out model.DomainName
	err := s.update(ctx, func(t *txn) error {
		cur, err := getDomain(t, name)
		if err != nil {
			return err
		}
		if pre.IfNoneMatch {
			return conflict("%s already exists", domainWhat(name))
		}
		if err := s.checkDomainCertificate(t, in); err != nil {
			return err
		}
		in.DomainNameID, in.CreatedDate = cur.DomainNameID, cur.CreatedDate
		if in.Version, err = putJSON(t, store.KindDomainName, "", name, in, pre.expect(), domainWhat(name)); err != nil {
			return err
		}
		out = in
		t.meteringChanged()
		return nil
	})
	return out, err
}

// DeleteDomainName deletes a domain name and its base path mappings.
func (s *Service) DeleteDomainName(ctx context.Context, name string, pre Precondition) error {
	return s.update(ctx, func(t *txn) error {
		if err := deleteRecord(t, store.KindDomainName, "", name, pre.expect(), domainWhat(name)); err != nil {
			return err
		}
		if _, err := t.DeletePrefix(store.KindBasePathMapping, "", name+"/"); err != nil {
			return err
		}
		t.meteringChanged()
		return nil
	})
}

// checkMappingTarget checks that the mapping's domain, API and stage exist (422 otherwise).
func checkMappingTarget(tx store.Tx, m model.BasePathMapping) error {
	if _, err := getDomain(tx, m.DomainName); IsNotFound(err) {
		return notFound("%s not found", domainWhat(m.DomainName))
	} else if err != nil {
		return err
	}
	if _, err := getAPI(tx, m.RestAPIID); IsNotFound(err) {
		return unprocessable("rest_api_id", "rest_api_id %q is not a REST API", m.RestAPIID)
	} else if err != nil {
		return err
	}
	if m.Stage != "" {
		if _, err := getStageRecord(tx, m.RestAPIID, m.Stage); IsNotFound(err) {
			return unprocessable("stage", "stage %q is not a stage of REST API %s", m.Stage, m.RestAPIID)
		} else if err != nil {
			return err
		}
	}
	return nil
}

// CreateBasePathMapping maps a base path of a domain to an API (and a stage).
func (s *Service) CreateBasePathMapping(ctx context.Context, domain string, in model.BasePathMapping) (model.BasePathMapping, error) {
	if err := checkKey("domain_name", in.DomainName, domain); err != nil {
		return model.BasePathMapping{}, err
	}
	in.DomainName = domain
	in.Normalize()
	if err := in.Validate(); err != nil {
		return model.BasePathMapping{}, invalid(err)
	}
	err := s.update(ctx, func(t *txn) error {
		if err := checkMappingTarget(t, in); err != nil {
			return err
		}
		if _, err := t.Get(store.KindBasePathMapping, "", mappingKey(domain, in.Key())); err == nil {
			return conflict("%s already exists; import it (ID %s/%s) or choose another base path", mappingWhat(domain, in.Key()), domain, in.BasePath)
		}
		var err error
		in.Version, err = putJSON(t, store.KindBasePathMapping, "", mappingKey(domain, in.Key()), in, store.ExpectAbsent, mappingWhat(domain, in.Key()))
		t.meteringChanged()
		return err
	})
	return in, err
}

// GetBasePathMapping returns a mapping; key is its base path, "(none)" or "" for the empty one.
func (s *Service) GetBasePathMapping(ctx context.Context, domain, key string) (model.BasePathMapping, error) {
	key = normalMappingKey(key)
	var out model.BasePathMapping
	err := s.view(ctx, func(tx store.Tx) (err error) {
		out, out.Version, err = getJSON[model.BasePathMapping](tx, store.KindBasePathMapping, "", mappingKey(domain, key), mappingWhat(domain, key))
		return err
	})
	return out, err
}

func normalMappingKey(key string) string {
	key = strings.Trim(key, "/")
	if key == "" {
		return model.NoBasePath
	}
	return key
}

// ListBasePathMappings returns a domain's mappings.
func (s *Service) ListBasePathMappings(ctx context.Context, domain string) ([]model.BasePathMapping, error) {
	var out []model.BasePathMapping
	err := s.view(ctx, func(tx store.Tx) error {
		if _, err := getDomain(tx, domain); err != nil {
			return err
		}
		var err error
		out, err = listJSON(tx, store.KindBasePathMapping, "", domain+"/", func(m *model.BasePathMapping, v int64) { m.Version = v })
		return err
	})
	return out, err
}

// UpdateBasePathMapping points a mapping at another API or stage; its base path is its key.
func (s *Service) UpdateBasePathMapping(ctx context.Context, domain, key string, in model.BasePathMapping, pre Precondition) (model.BasePathMapping, error) {
	key = normalMappingKey(key)
	if err := checkKey("domain_name", in.DomainName, domain); err != nil {
		return model.BasePathMapping{}, err
	}
	in.DomainName = domain
	in.Normalize()
	if in.Key() != key && in.BasePath != "" {
		return model.BasePathMapping{}, badRequest("base_path", "base_path %s in the body does not match %s in the URL", in.BasePath, key)
	}
	if key != model.NoBasePath {
		in.BasePath = key
	} else {
		in.BasePath = ""
	}
	if err := in.Validate(); err != nil {
		return model.BasePathMapping{}, invalid(err)
	}
	err := s.update(ctx, func(t *txn) error {
		if _, err := t.Get(store.KindBasePathMapping, "", mappingKey(domain, key)); err != nil {
			return storeErr(err, mappingWhat(domain, key))
		}
		if pre.IfNoneMatch {
			return conflict("%s already exists", mappingWhat(domain, key))
		}
		if err := checkMappingTarget(t, in); err != nil {
			return err
		}
		var err error
		in.Version, err = putJSON(t, store.KindBasePathMapping, "", mappingKey(domain, key), in, pre.expect(), mappingWhat(domain, key))
		t.meteringChanged()
		return err
	})
	return in, err
}

// DeleteBasePathMapping deletes a mapping.
func (s *Service) DeleteBasePathMapping(ctx context.Context, domain, key string, pre Precondition) error {
	key = normalMappingKey(key)
	return s.update(ctx, func(t *txn) error {
		t.meteringChanged()
		return deleteRecord(t, store.KindBasePathMapping, "", mappingKey(domain, key), pre.expect(), mappingWhat(domain, key))
	})
}

// Domains returns what the data plane needs to serve the domain names: each one's certificate with
// its key unsealed, its truststore read, and its mappings. A domain whose certificate or truststore
// cannot be had is returned with its Problem, and is not served (fail closed: never without its
// mutual TLS).
func (s *Service) Domains(ctx context.Context) (model.DomainSnapshot, error) {
	var snap model.DomainSnapshot
	err := s.view(ctx, func(tx store.Tx) error {
		domains, err := listJSON[model.DomainName](tx, store.KindDomainName, "", "", nil)
		if err != nil {
			return err
		}
		mappings, err := listJSON[model.BasePathMapping](tx, store.KindBasePathMapping, "", "", nil)
		if err != nil {
			return err
		}
		byDomain := map[string][]model.BasePathMapping{}
		for _, m := range mappings {
			byDomain[m.DomainName] = append(byDomain[m.DomainName], m)
		}
		for _, d := range domains {
			sd := model.ServedDomain{Name: d.DomainName, SecurityPolicy: d.SecurityPolicy, Mappings: byDomain[d.DomainName]}
			if err := s.servedCertificate(tx, d, &sd); err != nil {
				sd.Problem = err.Error()
			} else if m := d.MutualTLS; m != nil {
				if sd.TruststorePEM, err = readTruststore(m.TruststoreURI); err != nil {
					sd.Problem = err.Error()
				}
			}
			snap.Domains = append(snap.Domains, sd)
		}
		snap.Challenges, err = acmeChallenges(tx)
		return err
	})
	return snap, err
}

func (s *Service) servedCertificate(tx store.Tx, d model.DomainName, sd *model.ServedDomain) error {
	id := s.certificateIDFromARN(d.CertificateARNInUse())
	rec, err := getCertificateRecord(tx, id)
	if err != nil {
		return fmt.Errorf("certificate %s: %w", d.CertificateARNInUse(), err)
	}
	if rec.SealedKey == "" {
		return errNotIssued(rec.Certificate)
	}
	key, err := s.unsealWith(rec.SealedKey, certificateAAD)
	if err != nil {
		return fmt.Errorf("unsealing the key of certificate %s: %w", id, err)
	}
	chain := rec.CertificateBody
	if rec.CertificateChain != "" {
		chain = strings.TrimRight(chain, "\n") + "\n" + rec.CertificateChain
	}
	sd.CertificatePEM, sd.KeyPEM = []byte(chain), []byte(key)
	return nil
}
