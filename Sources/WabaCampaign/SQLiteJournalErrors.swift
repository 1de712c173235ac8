import GRDB

extension SQLiteJournal {
    /// The journal error for `error`, naming the journal at `location` and the real cause: SQLite's
    /// result code decides what kind of failure it is and what to do about it.
    ///
    /// - Parameter doing: what failed, in words ("cannot write the journal").
    static func storageError(_ error: any Error, location: String, doing: String) -> CampaignJournalError {
        if let error = error as? CampaignJournalError { return error }
        let cause = error
        guard let database = error as? DatabaseError else {
            return CampaignJournalError(
                .storage, "\(doing) \(location): \(error)",
                hint:
                    "check the journal's file and folder; the campaign resumes from the journal once it can be written",
                cause: cause)
        }
        let said = database.message ?? "SQLite error \(database.resultCode.rawValue)"
        switch database.resultCode {
        case .SQLITE_CORRUPT:
            return CampaignJournalError(
                .damaged, "the journal \(location) is damaged: SQLite says \"\(said)\"",
                hint:
                    "restore it from a backup (starting anew would send again every message it recorded as sent); `sqlite3 FILE .recover` can save what is readable into a new file, to be used with --adopt-journal",
                cause: cause)
        case .SQLITE_NOTADB:
            return CampaignJournalError(
                .notAJournal, "\(location) is not a wamedia journal: it is not a SQLite database (\(said))",
                hint: "give the journal of this campaign, or a new path for a new campaign", cause: cause)
        case .SQLITE_FULL:
            return CampaignJournalError(
                .storage, "\(doing) \(location): the disk is full (\(said))",
                hint: "free some space; the campaign resumes from the journal once it can be written", cause: cause)
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN, .SQLITE_AUTH:
            return CampaignJournalError(
                .storage, "\(doing) \(location): \(said)",
                hint:
                    "check the permissions of the journal, of the -wal and -shm files beside it, and of its folder (SQLite creates those files there)",
                cause: cause)
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return CampaignJournalError(
                .storage, "\(doing) \(location): another program holds it locked (\(said))",
                hint: "close the program that has it open (a sqlite3 shell, a backup tool), then run again",
                cause: cause)
        case .SQLITE_IOERR:
            return CampaignJournalError(
                .storage, "\(doing) \(location): the disk reported an error (\(said))",
                hint: "check the disk; the campaign resumes from the journal once it can be written", cause: cause)
        default:
            return CampaignJournalError(
                .storage, "\(doing) \(location): \(said)",
                hint:
                    "check the journal's file and folder; the campaign resumes from the journal once it can be written",
                cause: cause)
        }
    }
}
