using Afirgen.TaskProcessor.AfirgenTasks.Records;

namespace Afirgen.TaskProcessor.AfirgenTasks.Demo;

/// <summary>
/// Invented FIRs for the local demo (no real person, place or event), dated relative to the moment the
/// host starts so that every task has something to do: two pending, three finalized, two of those more
/// than a year ago (archive_old_records picks them up).
/// </summary>
public static class SampleFirs
{
    public const string DemoRecipient = "complainant@example.org";

    public static IReadOnlyList<FirRecord> Create(DateTimeOffset now) =>
    [
        new("FIR-DEMO-0001", "demo-session-1", "demo-user-1", FirStatuses.Pending,
            "Sample complaint: a bicycle was taken from outside a shop on an invented street.",
            """{"complainant_email": "complainant@example.org", "incident_type": "theft", "place": "Sample Street, Demo Town", "description": "A bicycle was taken from outside a shop."}""",
            now.AddHours(-3), null),
        new("FIR-DEMO-0002", "demo-session-2", "demo-user-2", FirStatuses.Pending,
            "Sample complaint: a lost mobile phone, reported for the record.",
            """{"incident_type": "lost property", "place": "Demo Park", "description": "A mobile phone was lost in the park."}""",
            now.AddDays(-2), null),
        new("FIR-DEMO-0003", "demo-session-3", "demo-user-1", FirStatuses.Finalized,
            "Sample complaint: a dispute between neighbours about a fence.",
            """{"complainant_email": "neighbour@example.org", "incident_type": "dispute", "place": "Example Lane", "description": "A fence was moved without agreement."}""",
            now.AddDays(-20), now.AddDays(-18)),
        new("FIR-DEMO-0004", "demo-session-4", "demo-user-3", FirStatuses.Finalized,
            "Sample complaint: a shop window was broken at night.",
            """{"incident_type": "vandalism", "place": "Market Road, Demo Town", "description": "A shop window was broken."}""",
            now.AddDays(-500), now.AddDays(-490)),
        new("FIR-DEMO-0005", "demo-session-5", "demo-user-4", FirStatuses.Finalized,
            "Sample complaint: a parked car was scratched.",
            """{"incident_type": "damage", "place": "Station Car Park", "description": "A parked car was scratched along one side."}""",
            now.AddDays(-420), now.AddDays(-400)),
    ];
}
