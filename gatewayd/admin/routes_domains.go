package admin

import (
	"net/http"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// domainRoutes serves certificates, the internal CA's certificate, domain names and base path
// mappings.
func (a *API) domainRoutes() {
	s := a.opts.Service
	// The internal CA's root certificate, for clients to trust (curl --cacert): PEM, or
	// {"certificate_pem": ...} to a caller that accepts JSON and not PEM.
	a.route("/v1/ca/certificate", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			b, err := s.CARootPEM()
			if err != nil {
				return result{}, err
			}
			if accept := r.Header.Get("Accept"); strings.Contains(accept, "application/json") && !strings.Contains(accept, "pem") {
				return ok(model.CACertificate{CertificatePEM: string(b)}, nil)
			}
			return result{body: rawBody{contentType: "application/x-pem-file", data: b}}, nil
		},
	})
	a.route("/v1/certificates", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			v, err := s.ListCertificates(r.Context())
			return ok(items(v), err)
		},
		http.MethodPost: func(r *http.Request) (result, error) {
			var in model.Certificate
			if err := decode(r, &in); err != nil {
				return result{}, err
			}
			v, err := s.CreateCertificate(r.Context(), in)
			return created(v, v.ID, err)
		},
	})
	a.route("/v1/certificates/{id}", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) { return ok(s.GetCertificate(r.Context(), r.PathValue("id"))) },
		http.MethodPut: put(func(r *http.Request, in model.Certificate, pre control.Precondition) (any, string, error) {
			v, err := s.UpdateCertificate(r.Context(), r.PathValue("id"), in, pre)
			return v, r.PathValue("id"), err
		}),
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return r.PathValue("id"), s.DeleteCertificate(r.Context(), r.PathValue("id"), pre)
		}),
	})
	const domain = "/v1/domainnames/{domain}"
	a.route("/v1/domainnames", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			v, err := s.ListDomainNames(r.Context())
			return ok(items(v), err)
		},
		http.MethodPost: func(r *http.Request) (result, error) {
			var in model.DomainName
			if err := decode(r, &in); err != nil {
				return result{}, err
			}
			v, err := s.CreateDomainName(r.Context(), in)
			return created(v, v.DomainName, err)
		},
	})
	a.route(domain, map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			return ok(s.GetDomainName(r.Context(), r.PathValue("domain")))
		},
		http.MethodPut: put(func(r *http.Request, in model.DomainName, pre control.Precondition) (any, string, error) {
			v, err := s.UpdateDomainName(r.Context(), r.PathValue("domain"), in, pre)
			return v, r.PathValue("domain"), err
		}),
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return r.PathValue("domain"), s.DeleteDomainName(r.Context(), r.PathValue("domain"), pre)
		}),
	})
	a.route(domain+"/basepathmappings", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			v, err := s.ListBasePathMappings(r.Context(), r.PathValue("domain"))
			return ok(items(v), err)
		},
		http.MethodPost: func(r *http.Request) (result, error) {
			var in model.BasePathMapping
			if err := decode(r, &in); err != nil {
				return result{}, err
			}
			v, err := s.CreateBasePathMapping(r.Context(), r.PathValue("domain"), in)
			return created(v, v.DomainName+"/"+v.Key(), err)
		},
	})
	// {base...}: a base path may have several segments (v1/orders); "(none)" is the empty one.
	a.route(domain+"/basepathmappings/{base...}", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			return ok(s.GetBasePathMapping(r.Context(), r.PathValue("domain"), r.PathValue("base")))
		},
		http.MethodPut: put(func(r *http.Request, in model.BasePathMapping, pre control.Precondition) (any, string, error) {
			v, err := s.UpdateBasePathMapping(r.Context(), r.PathValue("domain"), r.PathValue("base"), in, pre)
			return v, r.PathValue("domain") + "/" + r.PathValue("base"), err
		}),
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return r.PathValue("domain") + "/" + r.PathValue("base"), s.DeleteBasePathMapping(r.Context(), r.PathValue("domain"), r.PathValue("base"), pre)
		}),
	})
}
