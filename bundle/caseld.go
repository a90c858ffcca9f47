package bundle

import (
	"fmt"
	"sort"
	"strings"
)

// CASE/UCO vocabularies of case.jsonld (CASE 1.x namespaces).
var caseContext = map[string]any{
	"case-investigation": "https://ontology.caseontology.org/case/investigation/",
	"uco-action":         "https://ontology.unifiedcyberontology.org/uco/action/",
	"uco-core":           "https://ontology.unifiedcyberontology.org/uco/core/",
	"uco-identity":       "https://ontology.unifiedcyberontology.org/uco/identity/",
	"uco-observable":     "https://ontology.unifiedcyberontology.org/uco/observable/",
	"uco-tool":           "https://ontology.unifiedcyberontology.org/uco/tool/",
	"uco-types":          "https://ontology.unifiedcyberontology.org/uco/types/",
	"uco-vocabulary":     "https://ontology.unifiedcyberontology.org/uco/vocabulary/",
	"xsd":                "http://www.w3.org/2001/XMLSchema#",
	"attesta":            "https://attesta.invalid/ontology/",
}

type obj = map[string]any

func ref(id string) obj               { return obj{"@id": id} }
func typed(t string, v any) obj       { return obj{"@type": t, "@value": v} }
func dateTime(s string) obj           { return typed("xsd:dateTime", s) }
func nodeID(acq, local string) string { return "urn:attesta:" + acq + ":" + local }

// encodeCaseJSONLD returns case.jsonld: the acquisition as a CASE investigative action whose instrument is the
// appliance and its tool version, whose object is the chat, and whose results are the delivered files with their
// SHA-256, gathered in a provenance record. It is a function of the manifest body alone, so that Verify can
// recompute it and SHA256SUMS can cover it before the manifest is sealed.
func encodeCaseJSONLD(m *Manifest) ([]byte, error) {
	acq := m.Acquisition
	id := func(local string) string { return nodeID(acq.ID, local) }
	files, err := m.files()
	if err != nil {
		return nil, err
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	var graph []any
	var results []any
	for i, f := range files {
		fid := id(fmt.Sprintf("file-%d", i+1))
		results = append(results, ref(fid))
		graph = append(graph, obj{
			"@id":   fid,
			"@type": "uco-observable:File",
			"uco-core:hasFacet": []any{
				obj{
					"@type":                      "uco-observable:FileFacet",
					"uco-observable:fileName":    f.Path[strings.LastIndexByte(f.Path, '/')+1:],
					"uco-observable:filePath":    f.Path,
					"uco-observable:sizeInBytes": typed("xsd:integer", f.Size),
				},
				obj{
					"@type": "uco-observable:ContentDataFacet",
					"uco-observable:hash": []any{obj{
						"@type":                "uco-types:Hash",
						"uco-types:hashMethod": typed("uco-vocabulary:HashNameVocab", "SHA256"),
						"uco-types:hashValue":  typed("xsd:hexBinary", f.SHA256),
					}},
				},
			},
		})
	}
	provenance := obj{
		"@id":                              id("provenance"),
		"@type":                            "case-investigation:ProvenanceRecord",
		"case-investigation:exhibitNumber": m.FolderName(),
		"uco-core:description":             "Files of the delivery folder, as listed in manifest.json (" + Format + ")",
		"uco-core:object":                  results,
	}
	tool := obj{
		"@id":                  id("tool"),
		"@type":                "uco-tool:Tool",
		"uco-core:name":        "Attesta",
		"uco-tool:toolType":    "acquisition appliance",
		"uco-tool:version":     acq.ToolVersion,
		"uco-core:description": fmt.Sprintf("appliance %s; source %s", acq.ApplianceID, acq.SourceVersion),
	}
	operator := obj{"@id": id("operator"), "@type": "uco-identity:Person", "uco-core:name": acq.Operator}
	chat := obj{
		"@id":                  id("chat"),
		"@type":                "uco-observable:MessageThread",
		"uco-core:name":        "WhatsApp chat " + m.Chat.JID,
		"uco-core:description": fmt.Sprintf("chat with %s (%s), messages of %s, Europe/Rome days", m.Chat.Phone, m.Chat.Name, m.Range),
	}
	action := obj{
		"@id":                  id("acquisition"),
		"@type":                "case-investigation:InvestigativeAction",
		"uco-core:name":        "acquisition " + string(acq.Method),
		"uco-action:startTime": dateTime(acq.StartedAt.String()),
		"uco-core:hasFacet": []any{obj{
			"@type":                 "uco-action:ActionReferencesFacet",
			"uco-action:performer":  ref(id("operator")),
			"uco-action:instrument": ref(id("tool")),
			"uco-action:object":     []any{ref(id("chat"))},
			"uco-action:result":     append([]any{ref(id("provenance"))}, results...),
		}},
		"attesta:acquisitionId": acq.ID,
	}
	if acq.FinishedAt.Known() {
		action["uco-action:endTime"] = dateTime(acq.FinishedAt.String())
	}
	graph = append([]any{action, tool, operator, chat, provenance}, graph...)
	doc := obj{"@context": caseContext, "@graph": graph}
	out, err := encodeJSON(doc, "")
	if err != nil {
		return nil, fmt.Errorf("encode case.jsonld: %w", err)
	}
	return append(out, '\n'), nil
}
