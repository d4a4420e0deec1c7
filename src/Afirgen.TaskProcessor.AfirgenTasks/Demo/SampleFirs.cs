using System.Globalization;
using Afirgen.TaskProcessor.AfirgenTasks.Records;

namespace Afirgen.TaskProcessor.AfirgenTasks.Demo;

/// <summary>
/// Invented FIRs for the local demo (no real person, place or event), dated relative to the moment the
/// host starts so that every task has something to do: two pending, three finalized, two of those more
/// than a year ago (archive_old_records picks them up). Their fir_content shows the shapes a report reads:
/// FIR-DEMO-0001 fills nearly every field of the form (JSON with nested objects), FIR-DEMO-0002 only a few
/// (its report shows the blanks), FIR-DEMO-0005 is the text AFIRGen's backend renders from its template.
/// </summary>
public static class SampleFirs
{
    public const string DemoRecipient = "complainant@example.org";

    // Over 60 lines: data, five invented FIRs written out in full; there is no logic to split.
    public static IReadOnlyList<FirRecord> Create(DateTimeOffset now)
    {
        // Dates in fir_content are the station's (IST), as AFIRGen writes them.
        var ist = now.ToOffset(TimeSpan.FromHours(5.5));
        string Day(double daysAgo) => ist.AddDays(-daysAgo).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        string LongDay(double daysAgo) => ist.AddDays(-daysAgo).ToString("dd MMMM yyyy", CultureInfo.InvariantCulture);

        return
        [
            new("FIR-DEMO-0001", "demo-session-1", "demo-user-1", FirStatuses.Pending,
                "Sample complaint: I, the complainant, left my blue bicycle locked outside a shop on Sample Street at about 6 in the evening. "
                + "When I came back twenty minutes later the lock had been cut and the bicycle was gone. A shopkeeper saw a young man in a red shirt ride it towards the station road.",
                $$"""
                {
                  "complainant_email": "complainant@example.org",
                  "incident_type": "theft",
                  "police_station": "Demo Town Police Station",
                  "district": "Demo District",
                  "state": "Sample State",
                  "acts": ["Bharatiya Nyaya Sanhita, 2023"],
                  "sections": ["303(2) (theft)"],
                  "occurrence": {"date_from": "{{Day(0)}}", "time_from": "18:00", "time_to": "18:20"},
                  "place": "Outside a shop, Sample Street, Demo Town",
                  "distance_from_ps": "1.5 km",
                  "direction_from_ps": "north-east",
                  "beat_no": "4",
                  "type_of_information": "Oral",
                  "complainant": {"name": "Asha Sample", "father_name": "Ramesh Sample", "nationality": "Indian", "occupation": "Teacher",
                                  "address": "12 Example Lane, Demo Town", "phone": "+91 00000 00101"},
                  "accused": [{"name": "Unknown", "description": "young man, red shirt, about 20 years old"}],
                  "properties_stolen": [{"item": "Bicycle, blue, 26-inch", "value": "Rs 6,500"}],
                  "total_value": "Rs 6,500",
                  "description": "A bicycle was taken from outside a shop.",
                  "action_taken": "Registered the case and took up the investigation.",
                  "io_name": "Sub-Inspector Demo Singh", "io_rank": "Sub-Inspector", "io_number": "SI-0042",
                  "officer_in_charge": {"name": "Inspector Sample Rao", "rank": "Inspector", "number": "INS-0007"}
                }
                """,
                now.AddHours(-3), null),
            new("FIR-DEMO-0002", "demo-session-2", "demo-user-2", FirStatuses.Pending,
                "Sample complaint: a lost mobile phone, reported for the record.",
                """{"incident_type": "lost property", "place": "Demo Park", "description": "A mobile phone was lost in the park."}""",
                now.AddDays(-2), null),
            new("FIR-DEMO-0003", "demo-session-3", "demo-user-1", FirStatuses.Finalized,
                "Sample complaint: a dispute between neighbours about a fence.",
                $$"""
                {"complainant_email": "neighbour@example.org", "incident_type": "dispute", "police_station": "Demo Town Police Station", "district": "Demo District",
                 "place": "Example Lane", "date_of_occurrence": "{{Day(21)}}", "complainant_name": "Vikram Example", "complainant_address": "3 Example Lane, Demo Town",
                 "accused": "A neighbour, named in the complaint", "description": "A fence was moved without agreement."}
                """,
                now.AddDays(-20), now.AddDays(-18)),
            new("FIR-DEMO-0004", "demo-session-4", "demo-user-3", FirStatuses.Finalized,
                "Sample complaint: a shop window was broken at night.",
                """{"incident_type": "vandalism", "police_station": "Market Road Police Station", "district": "Demo District", "place": "Market Road, Demo Town", "description": "A shop window was broken."}""",
                now.AddDays(-500), now.AddDays(-490)),
            new("FIR-DEMO-0005", "demo-session-5", "demo-user-4", FirStatuses.Finalized,
                "Sample complaint: a parked car was scratched.",
                $"""
                FIRST INFORMATION REPORT

                FIR No.: FIR-DEMO-0005                 Year: {ist.AddDays(-420):yyyy}
                Police Station: Station Road Police Station
                District: Demo District
                State: Sample State

                Date of Report: {LongDay(420)}
                Information Received: {LongDay(420)} at 09:15:00

                1. COMPLAINANT DETAILS:
                   - Full Name: Meera Example
                   - Father's/Husband's Name: Arjun Example
                   - Complete Address: 7 Sample Road, Demo Town
                   - Contact Number: +91 00000 00105

                2. INCIDENT DETAILS:
                   - Date from: {LongDay(421)}
                   - Place of Occurrence: Station Car Park
                   - Detailed Description:
                     A parked car was scratched along one side.

                3. LEGAL PROVISIONS:
                   - Applicable Acts: Indian Penal Code
                   - Applicable Sections: 427

                4. SUSPECT DETAILS:
                   - Unknown

                5. INVESTIGATION DETAILS:
                   - Investigating Officer: Sub-Inspector Demo Singh (Sub-Inspector)
                   - Action Taken: Registered the case and took up the investigation.
                """,
                now.AddDays(-420), now.AddDays(-400)),
        ];
    }
}
