package model

import "testing"

func TestValidateIntegrationURI(t *testing.T) {
	tests := []struct {
		uri string
		ok  bool
	}{
		{"http://backend:8080/pets/{id}", true},
		{"https://backend/pets/{id}?fixed=1&b=%20", true},
		{"HTTP://backend/x", true},
		{"http://[::1]:3000/{proxy+}", true},
		{"http://10.0.0.1/a", true},
		{"http://backend", true},
		{"http://backend?x=1", true},
		{"http://svc_internal.local:80/a", true},
		{"http://${stageVariables.host}/pets", true},
		{"http://backend:${stageVariables.port}/pets", true},
		{"${stageVariables.url}/pets/{id}", true},
		{"${stageVariables.url}", true},
		// The review's reproductions: accepted once, then 500 on every request.
		{"http://user:pass@h/", false},
		{"http://h/{proxy", false},
		{"http+://h/", false},
		{"h{t}tp://h/", false},
		{"http://h{x}:1/", false},
		// And their kin.
		{"ftp://h/", false},
		{"http:///path", false},
		{"http://h:0/", false},
		{"http://h:99999/", false},
		{"http://h:/", false},
		{"http://h:-1/", false},
		{"http://h/a b", false},
		{"http://h/a\x00", false},
		{"http://h/a#frag", false},
		{"http://h/%zz", false},
		{"http://h/a}b", false},
		{"http://h/{a}{b", false},
		{"http://h/{a b}", false},
		{"http://h/{}", false},
		{"http://h/?a=%zz", false},
		{"http://[::1/", false},
		{"http://[nothost]/", false},
		{"http://h..x/", false},
		{"http://${stageVariables.bad-name}/", false},
		{"http://${oops}/", false},
		{"backend/pets", false},
		{"", false},
	}
	for _, tc := range tests {
		t.Run(tc.uri, func(t *testing.T) {
			err := ValidateIntegrationURI(tc.uri)
			if (err == nil) != tc.ok {
				t.Errorf("ValidateIntegrationURI(%q) = %v, want ok %v", tc.uri, err, tc.ok)
			}
		})
	}
}

func TestParseIntegrationURI(t *testing.T) {
	u, err := ParseIntegrationURI("https://Backend.test/v1/{id}/files/{path+}?a=1")
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "https" || u.Host != "Backend.test" || u.Addr != "Backend.test:443" || u.Query != "a=1" {
		t.Errorf("got %+v", u)
	}
	want := []string{"/v1/", "id", "/files/", "path", ""}
	if len(u.Pieces) != len(want) {
		t.Fatalf("pieces %q, want %q", u.Pieces, want)
	}
	for i := range want {
		if u.Pieces[i] != want[i] {
			t.Errorf("pieces %q, want %q", u.Pieces, want)
		}
	}
}

func TestCheckText(t *testing.T) {
	tests := []struct {
		in        string
		multiline bool
		ok        bool
	}{
		{"pets api", false, true},
		{"Café ☕", false, true},
		{"a\x00b", false, false},
		{"a\nb", false, false},
		{"a\nb\tc\r\n", true, true},
		{"\x1b[31mred", true, false},
		{"a\u0085b", true, false},
		{"\xff\xfe", false, false},
		{"x\x7f", false, false},
	}
	for _, tc := range tests {
		if err := checkText("f", tc.in, 20, tc.multiline); (err == nil) != tc.ok {
			t.Errorf("checkText(%q, multiline %v) = %v, want ok %v", tc.in, tc.multiline, err, tc.ok)
		}
	}
	if err := checkText("f", "ééé", 3, false); err != nil {
		t.Errorf("3 characters of 2 bytes each: %v (the limit counts characters)", err)
	}
	if err := checkText("f", "abcd", 3, false); err == nil {
		t.Error("4 characters passed a limit of 3")
	}
}

func TestValidateInputLimits(t *testing.T) {
	long := make([]byte, 100_000)
	for i := range long {
		long[i] = 'a'
	}
	tests := map[string]interface{ Validate() error }{
		"path part of 100,000 characters": &Resource{ParentID: "p", PathPart: string(long)},
		"path part .":                     &Resource{ParentID: "p", PathPart: "."},
		"path part ..":                    &Resource{ParentID: "p", PathPart: ".."},
		"api name with NUL":               &RestAPI{Name: "a\x00b"},
		"api name with a newline":         &RestAPI{Name: "a\nb"},
		"api name with an ANSI escape":    &RestAPI{Name: "\x1b[2Jx"},
		"api name not UTF-8":              &RestAPI{Name: "a\xffb"},
		"description with an escape":      &RestAPI{Name: "a", Description: "\x1b]0;title\x07"},
		"tag value with a newline":        &RestAPI{Name: "a", Tags: map[string]string{"k": "v\nInjected: 1"}},
		"key name with a newline":         &APIKey{Name: "a\nb"},
		"stage description with NUL":      &Stage{StageName: "s", AutoDeploy: true, CacheClusterSize: "0.5", Description: "\x00"},
	}
	for name, v := range tests {
		t.Run(name, func(t *testing.T) {
			if err := v.Validate(); err == nil {
				t.Errorf("Validate() accepted %s", name)
			}
		})
	}
}
