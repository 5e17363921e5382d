/// The OpenAPI 3.1 document of `shopperd serve`, served at `GET /openapi.json` and checked against
/// the live server by schemathesis (ci/serve-schemathesis.sh). Kept as source, not a resource
/// bundle, so the static release binary carries it. Input ranges are the CSV reader's
/// (docs/ingest.md); `Month` also accepts full names and any case, which the enum does not list.
enum OpenAPIDocument {
    static let json = #"""
{
 "openapi": "3.1.0",
 "info": {
  "title": "shopperd serve",
  "version": "1",
  "description": "Live scoring with the store's current champion: MLflow's scoring protocol and the Open Inference Protocol (KServe v2). See docs/serving.md."
 },
 "servers": [
  {
   "url": "http://127.0.0.1:8080"
  }
 ],
 "paths": {
  "/invocations": {
   "post": {
    "summary": "Score sessions (MLflow scoring server protocol)",
    "security": [
     {},
     {
      "bearer": []
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/MLflowRequest"
       }
      },
      "text/csv": {
       "schema": {
        "type": "string",
        "description": "A header line with the 17 input columns, then one session a line (a batch file without Revenue)."
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "One prediction per row, in request order.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/MLflowAnswer"
        }
       }
      }
     },
     "400": {
      "description": "The request is malformed or a value breaks the input rules (row, field, value and reason named).",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "401": {
      "description": "A bearer token is configured and the request did not carry it.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      },
      "headers": {
       "WWW-Authenticate": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "413": {
      "description": "The body is over --max-body-bytes or has more rows than --max-rows.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "503": {
      "description": "The store has no champion model yet.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "415": {
      "description": "The Content-Type is neither application/json nor text/csv.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "X-Session-Key",
      "in": "header",
      "required": false,
      "schema": {
       "type": "string",
       "maxLength": 256
      },
      "description": "The visitor's session key. While an A/B rollout runs, every request with the same key is answered by the same model (the challenger for its share of keys). Without it, the request's first prediction id decides."
     }
    ]
   }
  },
  "/v2/models/shopperd/infer": {
   "post": {
    "summary": "Score sessions (Open Inference Protocol)",
    "security": [
     {},
     {
      "bearer": []
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/InferenceRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "The outputs probability (FP64), label (BOOL) and prediction_id (BYTES).",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/InferenceAnswer"
        }
       }
      }
     },
     "400": {
      "description": "The request is malformed or a value breaks the input rules (row, field, value and reason named).",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "401": {
      "description": "A bearer token is configured and the request did not carry it.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      },
      "headers": {
       "WWW-Authenticate": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "413": {
      "description": "The body is over --max-body-bytes or has more rows than --max-rows.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "503": {
      "description": "The store has no champion model yet.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "X-Session-Key",
      "in": "header",
      "required": false,
      "schema": {
       "type": "string",
       "maxLength": 256
      },
      "description": "The visitor's session key. While an A/B rollout runs, every request with the same key is answered by the same model (the challenger for its share of keys). Without it, the request's first prediction id decides."
     }
    ]
   }
  },
  "/v2/models/shopperd": {
   "get": {
    "summary": "Model metadata: the champion's version, input and output names and datatypes",
    "security": [
     {},
     {
      "bearer": []
     }
    ],
    "responses": {
     "200": {
      "description": "Metadata.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/ModelMetadata"
        }
       }
      }
     },
     "401": {
      "description": "A bearer token is configured and the request did not carry it.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      },
      "headers": {
       "WWW-Authenticate": {
        "schema": {
         "type": "string"
        }
       }
      }
     }
    }
   }
  },
  "/v2/models/shopperd/ready": {
   "get": {
    "summary": "Whether the model is ready",
    "responses": {
     "200": {
      "description": "A champion is loaded.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Readiness"
        }
       }
      }
     },
     "503": {
      "description": "No champion yet.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Readiness"
        }
       }
      }
     }
    }
   }
  },
  "/v2/health/ready": {
   "get": {
    "summary": "Whether the server can score",
    "responses": {
     "200": {
      "description": "A champion is loaded.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Readiness"
        }
       }
      }
     },
     "503": {
      "description": "No champion yet.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Readiness"
        }
       }
      }
     }
    }
   }
  },
  "/v2/health/live": {
   "get": {
    "summary": "Whether the process runs",
    "responses": {
     "200": {
      "description": "Live.",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "live": {
           "type": "boolean",
           "const": true
          }
         },
         "required": [
          "live"
         ]
        }
       }
      }
     }
    }
   }
  },
  "/ping": {
   "get": {
    "summary": "MLflow's readiness probe",
    "responses": {
     "200": {
      "description": "A champion is loaded.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Readiness"
        }
       }
      }
     },
     "503": {
      "description": "No champion yet.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Readiness"
        }
       }
      }
     }
    }
   }
  },
  "/health": {
   "get": {
    "summary": "MLflow's readiness probe",
    "responses": {
     "200": {
      "description": "A champion is loaded.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Readiness"
        }
       }
      }
     },
     "503": {
      "description": "No champion yet.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Readiness"
        }
       }
      }
     }
    }
   }
  },
  "/metrics": {
   "get": {
    "summary": "Prometheus metrics (text exposition format 0.0.4)",
    "security": [
     {},
     {
      "bearer": []
     }
    ],
    "responses": {
     "200": {
      "description": "Metrics.",
      "content": {
       "text/plain": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "401": {
      "description": "A bearer token is configured and the request did not carry it.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      },
      "headers": {
       "WWW-Authenticate": {
        "schema": {
         "type": "string"
        }
       }
      }
     }
    }
   }
  },
  "/openapi.json": {
   "get": {
    "summary": "This document",
    "responses": {
     "200": {
      "description": "OpenAPI 3.1.",
      "content": {
       "application/json": {
        "schema": {
         "type": "object"
        }
       }
      }
     }
    }
   }
  },
  "/v2/feedback": {
   "post": {
    "summary": "Report outcomes of earlier predictions (for a running rollout's sequential test)",
    "description": "Joins each outcome to the prediction with that id, made while a rollout ran. Every outcome is counted once: joined, duplicate (the prediction already had an outcome: the first counts), unknown (no rollout made that prediction) or late (its rollout has ended). See docs/rollout.md.",
    "security": [
     {},
     {
      "bearer": []
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/FeedbackRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "What became of the outcomes.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/FeedbackAnswer"
        }
       }
      }
     },
     "400": {
      "description": "The body is malformed (each problem named with its JSON path).",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "401": {
      "description": "A bearer token is configured and the request did not carry it.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      },
      "headers": {
       "WWW-Authenticate": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "413": {
      "description": "More outcomes than --max-rows, or a body larger than --max-body-bytes.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "503": {
      "description": "The store cannot be written now (nothing was counted): send them again later.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    }
   }
  }
 },
 "components": {
  "securitySchemes": {
   "bearer": {
    "type": "http",
    "scheme": "bearer",
    "description": "Only when shopperd serve runs with --token-file or the serve-token credential."
   }
  },
  "schemas": {
   "Session": {
    "type": "object",
    "description": "One session: the 17 inputs by name (case-insensitive). Revenue is refused.",
    "properties": {
     "Administrative": {
      "type": "integer",
      "minimum": 0,
      "maximum": 1000000000000
     },
     "Administrative_Duration": {
      "type": "number",
      "minimum": 0,
      "maximum": 1000000000000
     },
     "Informational": {
      "type": "integer",
      "minimum": 0,
      "maximum": 1000000000000
     },
     "Informational_Duration": {
      "type": "number",
      "minimum": 0,
      "maximum": 1000000000000
     },
     "ProductRelated": {
      "type": "integer",
      "minimum": 0,
      "maximum": 1000000000000
     },
     "ProductRelated_Duration": {
      "type": "number",
      "minimum": 0,
      "maximum": 1000000000000
     },
     "BounceRates": {
      "type": "number",
      "minimum": 0,
      "maximum": 1
     },
     "ExitRates": {
      "type": "number",
      "minimum": 0,
      "maximum": 1
     },
     "PageValues": {
      "type": "number",
      "minimum": 0,
      "maximum": 1000000000000
     },
     "SpecialDay": {
      "type": "number",
      "minimum": 0,
      "maximum": 1
     },
     "Month": {
      "type": "string",
      "description": "Jan…Dec or January…December, any case",
      "enum": [
       "Jan",
       "Feb",
       "Mar",
       "Apr",
       "May",
       "Jun",
       "Jul",
       "Aug",
       "Sep",
       "Oct",
       "Nov",
       "Dec"
      ]
     },
     "OperatingSystems": {
      "type": "integer",
      "minimum": 1,
      "maximum": 1000000000000
     },
     "Browser": {
      "type": "integer",
      "minimum": 1,
      "maximum": 1000000000000
     },
     "Region": {
      "type": "integer",
      "minimum": 1,
      "maximum": 1000000000000
     },
     "TrafficType": {
      "type": "integer",
      "minimum": 1,
      "maximum": 1000000000000
     },
     "VisitorType": {
      "type": "string",
      "enum": [
       "Returning_Visitor",
       "New_Visitor",
       "Other"
      ]
     },
     "Weekend": {
      "type": "boolean",
      "description": "also \"TRUE\"/\"false\" or 0/1, as in a CSV cell"
     }
    },
    "required": [
     "Administrative",
     "Administrative_Duration",
     "Informational",
     "Informational_Duration",
     "ProductRelated",
     "ProductRelated_Duration",
     "BounceRates",
     "ExitRates",
     "PageValues",
     "SpecialDay",
     "Month",
     "OperatingSystems",
     "Browser",
     "Region",
     "TrafficType",
     "VisitorType",
     "Weekend"
    ],
    "additionalProperties": false
   },
   "MLflowRequest": {
    "oneOf": [
     {
      "type": "object",
      "properties": {
       "dataframe_split": {
        "type": "object",
        "properties": {
         "columns": {
          "type": "array",
          "items": {
           "type": "string",
           "enum": [
            "Administrative",
            "Administrative_Duration",
            "Informational",
            "Informational_Duration",
            "ProductRelated",
            "ProductRelated_Duration",
            "BounceRates",
            "ExitRates",
            "PageValues",
            "SpecialDay",
            "Month",
            "OperatingSystems",
            "Browser",
            "Region",
            "TrafficType",
            "VisitorType",
            "Weekend"
           ]
          },
          "minItems": 17,
          "maxItems": 17,
          "uniqueItems": true
         },
         "data": {
          "type": "array",
          "minItems": 1,
          "items": {
           "type": "array",
           "description": "The 17 inputs in the order of the record's properties.",
           "minItems": 17,
           "maxItems": 17,
           "prefixItems": [
            {
             "type": "integer",
             "minimum": 0,
             "maximum": 1000000000000
            },
            {
             "type": "number",
             "minimum": 0,
             "maximum": 1000000000000
            },
            {
             "type": "integer",
             "minimum": 0,
             "maximum": 1000000000000
            },
            {
             "type": "number",
             "minimum": 0,
             "maximum": 1000000000000
            },
            {
             "type": "integer",
             "minimum": 0,
             "maximum": 1000000000000
            },
            {
             "type": "number",
             "minimum": 0,
             "maximum": 1000000000000
            },
            {
             "type": "number",
             "minimum": 0,
             "maximum": 1
            },
            {
             "type": "number",
             "minimum": 0,
             "maximum": 1
            },
            {
             "type": "number",
             "minimum": 0,
             "maximum": 1000000000000
            },
            {
             "type": "number",
             "minimum": 0,
             "maximum": 1
            },
            {
             "type": "string",
             "description": "Jan…Dec or January…December, any case",
             "enum": [
              "Jan",
              "Feb",
              "Mar",
              "Apr",
              "May",
              "Jun",
              "Jul",
              "Aug",
              "Sep",
              "Oct",
              "Nov",
              "Dec"
             ]
            },
            {
             "type": "integer",
             "minimum": 1,
             "maximum": 1000000000000
            },
            {
             "type": "integer",
             "minimum": 1,
             "maximum": 1000000000000
            },
            {
             "type": "integer",
             "minimum": 1,
             "maximum": 1000000000000
            },
            {
             "type": "integer",
             "minimum": 1,
             "maximum": 1000000000000
            },
            {
             "type": "string",
             "enum": [
              "Returning_Visitor",
              "New_Visitor",
              "Other"
             ]
            },
            {
             "type": "boolean",
             "description": "also \"TRUE\"/\"false\" or 0/1, as in a CSV cell"
            }
           ],
           "items": false
          }
         },
         "index": {
          "type": "array",
          "description": "ignored"
         }
        },
        "required": [
         "columns",
         "data"
        ]
       },
       "params": {
        "type": "object",
        "description": "Accepted and ignored, as MLflow's params."
       }
      },
      "required": [
       "dataframe_split"
      ],
      "additionalProperties": false
     },
     {
      "type": "object",
      "properties": {
       "dataframe_records": {
        "type": "array",
        "minItems": 1,
        "items": {
         "$ref": "#/components/schemas/Session"
        }
       },
       "params": {
        "type": "object",
        "description": "Accepted and ignored, as MLflow's params."
       }
      },
      "required": [
       "dataframe_records"
      ],
      "additionalProperties": false
     },
     {
      "type": "object",
      "properties": {
       "instances": {
        "oneOf": [
         {
          "type": "array",
          "minItems": 1,
          "items": {
           "$ref": "#/components/schemas/Session"
          }
         },
         {
          "type": "array",
          "minItems": 1,
          "items": {
           "type": "array",
           "description": "The 17 inputs in the order of the record's properties.",
           "minItems": 17,
           "maxItems": 17,
           "prefixItems": [
            {
             "type": "integer",
             "minimum": 0,
             "maximum": 1000000000000
            },
            {
             "type": "number",
             "minimum": 0,
             "maximum": 1000000000000
            },
            {
             "type": "integer",
             "minimum": 0,
             "maximum": 1000000000000
            },
            {
             "type": "number",
             "minimum": 0,
             "maximum": 1000000000000
            },
            {
             "type": "integer",
             "minimum": 0,
             "maximum": 1000000000000
            },
            {
             "type": "number",
             "minimum": 0,
             "maximum": 1000000000000
            },
            {
             "type": "number",
             "minimum": 0,
             "maximum": 1
            },
            {
             "type": "number",
             "minimum": 0,
             "maximum": 1
            },
            {
             "type": "number",
             "minimum": 0,
             "maximum": 1000000000000
            },
            {
             "type": "number",
             "minimum": 0,
             "maximum": 1
            },
            {
             "type": "string",
             "description": "Jan…Dec or January…December, any case",
             "enum": [
              "Jan",
              "Feb",
              "Mar",
              "Apr",
              "May",
              "Jun",
              "Jul",
              "Aug",
              "Sep",
              "Oct",
              "Nov",
              "Dec"
             ]
            },
            {
             "type": "integer",
             "minimum": 1,
             "maximum": 1000000000000
            },
            {
             "type": "integer",
             "minimum": 1,
             "maximum": 1000000000000
            },
            {
             "type": "integer",
             "minimum": 1,
             "maximum": 1000000000000
            },
            {
             "type": "integer",
             "minimum": 1,
             "maximum": 1000000000000
            },
            {
             "type": "string",
             "enum": [
              "Returning_Visitor",
              "New_Visitor",
              "Other"
             ]
            },
            {
             "type": "boolean",
             "description": "also \"TRUE\"/\"false\" or 0/1, as in a CSV cell"
            }
           ],
           "items": false
          }
         }
        ]
       },
       "params": {
        "type": "object",
        "description": "Accepted and ignored, as MLflow's params."
       }
      },
      "required": [
       "instances"
      ],
      "additionalProperties": false
     },
     {
      "type": "object",
      "properties": {
       "inputs": {
        "oneOf": [
         {
          "type": "array",
          "minItems": 1,
          "items": {
           "$ref": "#/components/schemas/Session"
          }
         },
         {
          "type": "array",
          "minItems": 1,
          "items": {
           "type": "array",
           "description": "The 17 inputs in the order of the record's properties.",
           "minItems": 17,
           "maxItems": 17,
           "prefixItems": [
            {
             "type": "integer",
             "minimum": 0,
             "maximum": 1000000000000
            },
            {
             "type": "number",
             "minimum": 0,
             "maximum": 1000000000000
            },
            {
             "type": "integer",
             "minimum": 0,
             "maximum": 1000000000000
            },
            {
             "type": "number",
             "minimum": 0,
             "maximum": 1000000000000
            },
            {
             "type": "integer",
             "minimum": 0,
             "maximum": 1000000000000
            },
            {
             "type": "number",
             "minimum": 0,
             "maximum": 1000000000000
            },
            {
             "type": "number",
             "minimum": 0,
             "maximum": 1
            },
            {
             "type": "number",
             "minimum": 0,
             "maximum": 1
            },
            {
             "type": "number",
             "minimum": 0,
             "maximum": 1000000000000
            },
            {
             "type": "number",
             "minimum": 0,
             "maximum": 1
            },
            {
             "type": "string",
             "description": "Jan…Dec or January…December, any case",
             "enum": [
              "Jan",
              "Feb",
              "Mar",
              "Apr",
              "May",
              "Jun",
              "Jul",
              "Aug",
              "Sep",
              "Oct",
              "Nov",
              "Dec"
             ]
            },
            {
             "type": "integer",
             "minimum": 1,
             "maximum": 1000000000000
            },
            {
             "type": "integer",
             "minimum": 1,
             "maximum": 1000000000000
            },
            {
             "type": "integer",
             "minimum": 1,
             "maximum": 1000000000000
            },
            {
             "type": "integer",
             "minimum": 1,
             "maximum": 1000000000000
            },
            {
             "type": "string",
             "enum": [
              "Returning_Visitor",
              "New_Visitor",
              "Other"
             ]
            },
            {
             "type": "boolean",
             "description": "also \"TRUE\"/\"false\" or 0/1, as in a CSV cell"
            }
           ],
           "items": false
          }
         },
         {
          "type": "object",
          "description": "Each input's values, one per row, all lists equally long.",
          "properties": {
           "Administrative": {
            "type": "array",
            "items": {
             "type": "integer",
             "minimum": 0,
             "maximum": 1000000000000
            },
            "minItems": 1
           },
           "Administrative_Duration": {
            "type": "array",
            "items": {
             "type": "number",
             "minimum": 0,
             "maximum": 1000000000000
            },
            "minItems": 1
           },
           "Informational": {
            "type": "array",
            "items": {
             "type": "integer",
             "minimum": 0,
             "maximum": 1000000000000
            },
            "minItems": 1
           },
           "Informational_Duration": {
            "type": "array",
            "items": {
             "type": "number",
             "minimum": 0,
             "maximum": 1000000000000
            },
            "minItems": 1
           },
           "ProductRelated": {
            "type": "array",
            "items": {
             "type": "integer",
             "minimum": 0,
             "maximum": 1000000000000
            },
            "minItems": 1
           },
           "ProductRelated_Duration": {
            "type": "array",
            "items": {
             "type": "number",
             "minimum": 0,
             "maximum": 1000000000000
            },
            "minItems": 1
           },
           "BounceRates": {
            "type": "array",
            "items": {
             "type": "number",
             "minimum": 0,
             "maximum": 1
            },
            "minItems": 1
           },
           "ExitRates": {
            "type": "array",
            "items": {
             "type": "number",
             "minimum": 0,
             "maximum": 1
            },
            "minItems": 1
           },
           "PageValues": {
            "type": "array",
            "items": {
             "type": "number",
             "minimum": 0,
             "maximum": 1000000000000
            },
            "minItems": 1
           },
           "SpecialDay": {
            "type": "array",
            "items": {
             "type": "number",
             "minimum": 0,
             "maximum": 1
            },
            "minItems": 1
           },
           "Month": {
            "type": "array",
            "items": {
             "type": "string",
             "description": "Jan…Dec or January…December, any case",
             "enum": [
              "Jan",
              "Feb",
              "Mar",
              "Apr",
              "May",
              "Jun",
              "Jul",
              "Aug",
              "Sep",
              "Oct",
              "Nov",
              "Dec"
             ]
            },
            "minItems": 1
           },
           "OperatingSystems": {
            "type": "array",
            "items": {
             "type": "integer",
             "minimum": 1,
             "maximum": 1000000000000
            },
            "minItems": 1
           },
           "Browser": {
            "type": "array",
            "items": {
             "type": "integer",
             "minimum": 1,
             "maximum": 1000000000000
            },
            "minItems": 1
           },
           "Region": {
            "type": "array",
            "items": {
             "type": "integer",
             "minimum": 1,
             "maximum": 1000000000000
            },
            "minItems": 1
           },
           "TrafficType": {
            "type": "array",
            "items": {
             "type": "integer",
             "minimum": 1,
             "maximum": 1000000000000
            },
            "minItems": 1
           },
           "VisitorType": {
            "type": "array",
            "items": {
             "type": "string",
             "enum": [
              "Returning_Visitor",
              "New_Visitor",
              "Other"
             ]
            },
            "minItems": 1
           },
           "Weekend": {
            "type": "array",
            "items": {
             "type": "boolean",
             "description": "also \"TRUE\"/\"false\" or 0/1, as in a CSV cell"
            },
            "minItems": 1
           }
          },
          "required": [
           "Administrative",
           "Administrative_Duration",
           "Informational",
           "Informational_Duration",
           "ProductRelated",
           "ProductRelated_Duration",
           "BounceRates",
           "ExitRates",
           "PageValues",
           "SpecialDay",
           "Month",
           "OperatingSystems",
           "Browser",
           "Region",
           "TrafficType",
           "VisitorType",
           "Weekend"
          ],
          "additionalProperties": false
         }
        ]
       },
       "params": {
        "type": "object",
        "description": "Accepted and ignored, as MLflow's params."
       }
      },
      "required": [
       "inputs"
      ],
      "additionalProperties": false
     }
    ]
   },
   "InferenceRequest": {
    "type": "object",
    "properties": {
     "id": {
      "type": "string"
     },
     "parameters": {
      "type": "object"
     },
     "inputs": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "name": {
         "type": "string",
         "enum": [
          "Administrative",
          "Administrative_Duration",
          "Informational",
          "Informational_Duration",
          "ProductRelated",
          "ProductRelated_Duration",
          "BounceRates",
          "ExitRates",
          "PageValues",
          "SpecialDay",
          "Month",
          "OperatingSystems",
          "Browser",
          "Region",
          "TrafficType",
          "VisitorType",
          "Weekend"
         ]
        },
        "shape": {
         "type": "array",
         "items": {
          "type": "integer",
          "minimum": 1
         },
         "minItems": 1,
         "maxItems": 2
        },
        "datatype": {
         "type": "string",
         "enum": [
          "BOOL",
          "UINT8",
          "UINT16",
          "UINT32",
          "UINT64",
          "INT8",
          "INT16",
          "INT32",
          "INT64",
          "FP16",
          "FP32",
          "FP64",
          "BYTES"
         ]
        },
        "data": {
         "type": "array",
         "items": {}
        },
        "parameters": {
         "type": "object"
        }
       },
       "required": [
        "name",
        "shape",
        "datatype",
        "data"
       ]
      },
      "minItems": 17,
      "maxItems": 17
     },
     "outputs": {
      "type": "array"
     }
    },
    "required": [
     "inputs"
    ]
   },
   "Issue": {
    "type": "object",
    "properties": {
     "row": {
      "type": "integer"
     },
     "line": {
      "type": "integer"
     },
     "field": {
      "type": "string"
     },
     "path": {
      "type": "string"
     },
     "value": {
      "type": "string"
     },
     "reason": {
      "type": "string"
     }
    },
    "required": [
     "field",
     "value",
     "reason"
    ]
   },
   "Error": {
    "type": "object",
    "properties": {
     "error": {
      "$ref": "#/components/schemas/Issue"
     },
     "errors": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/Issue"
      },
      "maxItems": 100
     },
     "issue_count": {
      "type": "integer",
      "minimum": 1
     },
     "message": {
      "type": "string"
     }
    },
    "required": [
     "error",
     "errors",
     "issue_count",
     "message"
    ]
   },
   "Prediction": {
    "type": "object",
    "properties": {
     "probability": {
      "type": "number",
      "minimum": 0,
      "maximum": 1
     },
     "label": {
      "type": "boolean"
     },
     "model_version": {
      "type": "integer",
      "minimum": 1
     },
     "prediction_id": {
      "type": "string"
     }
    },
    "required": [
     "probability",
     "label",
     "model_version",
     "prediction_id"
    ],
    "additionalProperties": false
   },
   "MLflowAnswer": {
    "type": "object",
    "properties": {
     "predictions": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/Prediction"
      }
     }
    },
    "required": [
     "predictions"
    ],
    "additionalProperties": false
   },
   "InferenceAnswer": {
    "type": "object",
    "properties": {
     "model_name": {
      "type": "string",
      "const": "shopperd"
     },
     "model_version": {
      "type": "string"
     },
     "id": {
      "type": "string"
     },
     "outputs": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "name": {
         "type": "string"
        },
        "datatype": {
         "type": "string"
        },
        "shape": {
         "type": "array",
         "items": {
          "type": "integer"
         }
        },
        "data": {
         "type": "array"
        }
       },
       "required": [
        "name",
        "datatype",
        "shape",
        "data"
       ]
      },
      "minItems": 3,
      "maxItems": 3
     }
    },
    "required": [
     "model_name",
     "model_version",
     "outputs"
    ]
   },
   "ModelMetadata": {
    "type": "object",
    "properties": {
     "name": {
      "type": "string",
      "const": "shopperd"
     },
     "versions": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "platform": {
      "type": "string"
     },
     "inputs": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "name": {
         "type": "string"
        },
        "datatype": {
         "type": "string"
        },
        "shape": {
         "type": "array",
         "items": {
          "type": "integer"
         }
        }
       },
       "required": [
        "name",
        "datatype",
        "shape"
       ]
      },
      "minItems": 17,
      "maxItems": 17
     },
     "outputs": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "name": {
         "type": "string"
        },
        "datatype": {
         "type": "string"
        },
        "shape": {
         "type": "array",
         "items": {
          "type": "integer"
         }
        }
       },
       "required": [
        "name",
        "datatype",
        "shape"
       ]
      }
     }
    },
    "required": [
     "name",
     "versions",
     "platform",
     "inputs",
     "outputs"
    ]
   },
   "Readiness": {
    "type": "object",
    "properties": {
     "ready": {
      "type": "boolean"
     },
     "model_version": {
      "type": "integer"
     }
    },
    "required": [
     "ready"
    ]
   },
   "FeedbackRequest": {
    "type": "object",
    "required": [
     "outcomes"
    ],
    "additionalProperties": true,
    "properties": {
     "outcomes": {
      "type": "array",
      "minItems": 1,
      "items": {
       "type": "object",
       "required": [
        "prediction_id",
        "outcome"
       ],
       "additionalProperties": false,
       "properties": {
        "prediction_id": {
         "type": "string",
         "minLength": 1,
         "maxLength": 128,
         "description": "The prediction_id a scoring answer gave."
        },
        "outcome": {
         "oneOf": [
          {
           "type": "boolean"
          },
          {
           "type": "integer",
           "enum": [
            0,
            1
           ]
          }
         ],
         "description": "Whether the session bought."
        }
       }
      }
     }
    }
   },
   "FeedbackAnswer": {
    "type": "object",
    "required": [
     "joined",
     "duplicate",
     "unknown",
     "late"
    ],
    "properties": {
     "joined": {
      "type": "integer",
      "minimum": 0
     },
     "duplicate": {
      "type": "integer",
      "minimum": 0
     },
     "unknown": {
      "type": "integer",
      "minimum": 0
     },
     "late": {
      "type": "integer",
      "minimum": 0
     }
    }
   }
  }
 }
}
"""#
}
