package bankid

// The JSON bodies of the RP API v6.0, field names exactly as BankID spells
// them. Optional fields carry omitempty so that only what is set is sent.

// requirement restricts who and how an order may be completed.
type requirement struct {
	PinCode             bool     `json:"pinCode,omitempty"`
	CertificatePolicies []string `json:"certificatePolicies,omitempty"`
	PersonalNumber      string   `json:"personalNumber,omitempty"`
}

// startRequest is the body of /auth and /sign.
type startRequest struct {
	EndUserIP             string       `json:"endUserIp"`
	Requirement           *requirement `json:"requirement,omitempty"`
	UserVisibleData       string       `json:"userVisibleData,omitempty"`
	UserVisibleDataFormat string       `json:"userVisibleDataFormat,omitempty"`
	UserNonVisibleData    string       `json:"userNonVisibleData,omitempty"`
}

// startResponse is the answer of /auth and /sign.
type startResponse struct {
	OrderRef       string `json:"orderRef"`
	AutoStartToken string `json:"autoStartToken"`
	QRStartToken   string `json:"qrStartToken"`
	QRStartSecret  string `json:"qrStartSecret"`
}

// refRequest is the body of /collect and /cancel.
type refRequest struct {
	OrderRef string `json:"orderRef"`
}

// collectResponse is the answer of /collect.
type collectResponse struct {
	OrderRef       string          `json:"orderRef"`
	Status         string          `json:"status"`
	HintCode       string          `json:"hintCode"`
	CompletionData *completionData `json:"completionData"`
}

// completionData is set when an order is complete.
type completionData struct {
	User struct {
		PersonalNumber string `json:"personalNumber"`
		Name           string `json:"name"`
		GivenName      string `json:"givenName"`
		Surname        string `json:"surname"`
	} `json:"user"`
	Device struct {
		IPAddress string `json:"ipAddress"`
		UHI       string `json:"uhi"`
	} `json:"device"`
	BankIDIssueDate string `json:"bankIdIssueDate"`
	Signature       string `json:"signature"`
	OCSPResponse    string `json:"ocspResponse"`
}

// errorResponse is the body of a 4xx/5xx answer.
type errorResponse struct {
	ErrorCode string `json:"errorCode"`
	Details   string `json:"details"`
}
