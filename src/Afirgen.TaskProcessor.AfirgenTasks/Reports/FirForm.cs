namespace Afirgen.TaskProcessor.AfirgenTasks.Reports;

/// <summary>
/// The fields of India's FIR form (Form IF1, section 154 CrPC / 173 BNSS) as one FIR's record fills them;
/// null where AFIRGen's data does not say, for the report to leave a blank to fill in by hand.
/// Read by <see cref="FirFormReader"/>.
/// </summary>
public sealed record FirForm
{
    // 1. District, police station, year, FIR number and date.
    public required string FirNumber { get; init; }
    public string? District { get; init; }
    public string? PoliceStation { get; init; }
    public string? State { get; init; }
    public string? Year { get; init; }
    public string? FirDate { get; init; }

    // 2. Acts and sections.
    public string? Acts { get; init; }
    public string? Sections { get; init; }

    // 3. Occurrence of offence; information received at the police station; general diary reference.
    public string? OccurrenceDay { get; init; }
    public string? OccurrenceDateFrom { get; init; }
    public string? OccurrenceDateTo { get; init; }
    public string? OccurrenceTimePeriod { get; init; }
    public string? OccurrenceTimeFrom { get; init; }
    public string? OccurrenceTimeTo { get; init; }
    public string? InformationReceivedDate { get; init; }
    public string? InformationReceivedTime { get; init; }
    public string? GeneralDiaryEntry { get; init; }
    public string? GeneralDiaryTime { get; init; }

    // 4. Type of information (written / oral).
    public string? TypeOfInformation { get; init; }

    // 5. Place of occurrence.
    public string? DirectionAndDistance { get; init; }
    public string? BeatNumber { get; init; }
    public string? Place { get; init; }
    public string? PlaceAddress { get; init; }

    // 6. Complainant / informant.
    public string? ComplainantName { get; init; }
    public string? FatherOrHusbandName { get; init; }
    public string? DateOfBirth { get; init; }
    public string? Nationality { get; init; }
    public string? PassportNumber { get; init; }
    public string? Occupation { get; init; }
    public string? ComplainantAddress { get; init; }
    public string? ComplainantPhone { get; init; }

    // 7–11. Accused, delay, properties, inquest.
    public string? Accused { get; init; }
    public string? DelayReasons { get; init; }
    public string? Properties { get; init; }
    public string? PropertiesValue { get; init; }
    public string? InquestReport { get; init; }

    // 12. First information contents: the complainant's own account.
    public string? FirstInformation { get; init; }

    // 13. Action taken; the investigating officer; the officer in charge who signs.
    public string? ActionTaken { get; init; }
    public string? InvestigatingOfficerName { get; init; }
    public string? InvestigatingOfficerRank { get; init; }
    public string? InvestigatingOfficerNumber { get; init; }
    public string? OfficerInChargeName { get; init; }
    public string? OfficerInChargeRank { get; init; }
    public string? OfficerInChargeNumber { get; init; }

    // 15. Date and time of despatch to the court.
    public string? DespatchToCourt { get; init; }

    /// <summary>What else fir_content holds, labelled as written there, so that nothing AFIRGen recorded is left off.</summary>
    public IReadOnlyList<(string Label, string Value)> FurtherParticulars { get; init; } = [];

    /// <summary>fir_content that is free text rather than labelled values.</summary>
    public string? UnlabelledContent { get; init; }
}
