//! A realistic page of Security Hub findings (`GetFindings`), generated deterministically:
//! about 1.5 KB each, resources with `Details`, `ProductFields`, `Types` and remediation.

use super::*;
use serde_json::{Value, json};

pub const FINDINGS: usize = 10_000;
const ACCOUNT: &str = "123456789012";
const REGIONS: &[&str] = &["eu-west-1", "us-east-1", "us-west-2", "ap-southeast-2"];
const LABELS: &[(&str, u32)] = &[
    ("INFORMATIONAL", 0),
    ("LOW", 1),
    ("MEDIUM", 40),
    ("HIGH", 70),
    ("CRITICAL", 90),
];
const WORKFLOWS: &[&str] = &["NEW", "NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"];
const CONTROLS: &[(&str, &str)] = &[
    (
        "EC2.19",
        "Security groups should not allow unrestricted access to ports with high risk",
    ),
    ("S3.8", "S3 general purpose buckets should block public access"),
    (
        "IAM.3",
        "IAM users' access keys should be rotated every 90 days or less",
    ),
    ("RDS.3", "RDS DB instances should have encryption at-rest enabled"),
    ("Lambda.2", "Lambda functions should use supported runtimes"),
];

/// One resource, with a `Details` object the parser must skip.
fn resource(rng: &mut Rng, region: &str, n: usize) -> Value {
    let svc = rng.pick(SERVICES);
    if rng.below(2) == 0 {
        json!({
            "Type": "AwsEc2Instance",
            "Id": format!("arn:aws:ec2:{region}:{ACCOUNT}:instance/i-0{n:016x}"),
            "Partition": "aws",
            "Region": region,
            "Tags": {"Name": format!("{svc}-{}", rng.below(9000) + 1000), "team": rng.pick(PEOPLE)},
            "Details": {"AwsEc2Instance": {
                "Type": "m6i.large",
                "ImageId": format!("ami-0{:016x}", rng.next()),
                "IpV4Addresses": [format!("10.0.{}.{}", rng.below(255), rng.below(255))],
                "VpcId": format!("vpc-0{:016x}", rng.next()),
                "LaunchedAt": "2026-11-20T08:00:00.000Z"
            }}
        })
    } else {
        json!({
            "Type": "AwsS3Bucket",
            "Id": format!("arn:aws:s3:::{svc}-artifacts-{n}"),
            "Partition": "aws",
            "Region": region,
            "Details": {"AwsS3Bucket": {
                "CreatedAt": "2025-03-01T12:00:00.000Z",
                "ServerSideEncryptionConfiguration": {"Rules": [
                    {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                ]}
            }}
        })
    }
}

fn finding(rng: &mut Rng, n: usize) -> Value {
    let region = *rng.pick(REGIONS);
    let (label, normalized) = *rng.pick(LABELS);
    let (control, title) = *rng.pick(CONTROLS);
    let svc = rng.pick(SERVICES);
    let id = format!(
        "arn:aws:securityhub:{region}:{ACCOUNT}:security-control/{control}/finding/{:016x}-{n:08x}",
        rng.next()
    );
    let resources: Vec<Value> = (0..rng.below(2) + 1)
        .map(|i| resource(rng, region, n * 4 + i))
        .collect();
    let mut f = json!({
        "SchemaVersion": "2018-10-08",
        "Id": id,
        "ProductArn": format!("arn:aws:securityhub:{region}::product/aws/securityhub"),
        "ProductName": "Security Hub",
        "CompanyName": "AWS",
        "Region": region,
        "GeneratorId": format!("security-control/{control}"),
        "AwsAccountId": ACCOUNT,
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards",
                  "Effects/Data Exposure"],
        "CreatedAt": "2026-11-02T10:00:12.000Z",
        "UpdatedAt": format!("2026-11-{:02}T{:02}:{:02}:00.000Z", rng.below(28) + 1, rng.below(24), rng.below(60)),
        "Severity": {"Label": label, "Normalized": normalized, "Original": label},
        "Title": title,
        "Description": format!("Seen on {svc} in {region}: the control fails while the resource is exposed."),
        "ProductFields": {
            "RelatedAWSResources:0/name": format!("securityhub-{}-{:08x}", control.to_lowercase(), rng.next()),
            "RelatedAWSResources:0/type": "AWS::Config::ConfigRule",
            "aws/securityhub/ProductName": "Security Hub",
            "aws/securityhub/CompanyName": "AWS",
            "Resources:0/Id": resources[0]["Id"].clone()
        },
        "Resources": resources,
        "Compliance": {"Status": "FAILED", "SecurityControlId": control},
        "WorkflowState": "NEW",
        "Workflow": {"Status": rng.pick(WORKFLOWS)},
        "RecordState": "ACTIVE"
    });
    if rng.below(2) == 0 {
        f["Remediation"] = json!({"Recommendation": {
            "Text": "For information on how to correct this issue, consult the AWS Security Hub controls documentation.",
            "Url": format!("https://docs.aws.amazon.com/console/securityhub/{control}/remediation")
        }});
    }
    if rng.below(5) == 0 {
        f["Note"] = json!({"Text": note_text(rng), "UpdatedBy": format!("warroom/{}", rng.pick(PEOPLE)),
                           "UpdatedAt": "2026-11-28T08:30:00.000Z"});
    }
    f
}

pub fn findings_body() -> Vec<u8> {
    let mut rng = Rng(0x5EC0_4B0B);
    let findings: Vec<Value> = (0..FINDINGS).map(|n| finding(&mut rng, n)).collect();
    serde_json::to_vec(&json!({"Findings": findings, "NextToken": "eyJwYWdlIjoyfQ=="}))
        .expect("serialise the generated page")
}
