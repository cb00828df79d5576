package model

import "time"

// ClientCertificate is a certificate the gateway presents to HTTP backends that ask for one (mutual
// TLS to the backend), as API Gateway's client certificates are: the server generates its key pair and
// a self-signed certificate; a stage's client_certificate_id selects it. Backends pin
// PEMEncodedCertificate. It belongs to no API.
type ClientCertificate struct {
	// ID is server-generated: 6 lowercase alphanumerics, as API Gateway's.
	ID          string            `json:"id"`
	Description string            `json:"description"`
	Tags        map[string]string `json:"tags"`
	// ARN is read-only and never stored: derived from the id and the daemon's region on every read.
	ARN string `json:"arn,omitempty"`
	// PEMEncodedCertificate, CreatedDate and ExpirationDate are read-only. The private key is never
	// returned.
	PEMEncodedCertificate string    `json:"pem_encoded_certificate"`
	CreatedDate           time.Time `json:"created_date"`
	ExpirationDate        time.Time `json:"expiration_date"`
	Version               int64     `json:"version"`
}

// ClientCertificateValidity is how long a generated client certificate is valid: a year, as in API
// Gateway.
const ClientCertificateValidity = 365 * 24 * time.Hour

// Validate checks the writable fields.
func (c *ClientCertificate) Validate() error {
	if err := checkText("description", c.Description, MaxDescriptionLength, true); err != nil {
		return err
	}
	return validateTags("tags", c.Tags)
}

// TLSKeyPair is a certificate and its private key, PEM. It travels from the control plane to the data
// plane inside a stage release, never through the admin API.
type TLSKeyPair struct {
	CertificatePEM string
	PrivateKeyPEM  string
}
