//! The name lists of demo people, kept here once: the synthetic families of the registry and the
//! store's demo applications draw from them.
//!
//! Kazakh names keep their own letters (ә ғ қ ң ө ұ ү һ і) as the registry spells them; surnames
//! are given in the male form and take «-а» for women (all of them end in -ов, -ев or -ин).

/// A man's name that also serves as the father's name in his children's patronymics.
#[derive(Debug, Clone, Copy)]
pub struct FatherName {
    pub name: &'static str,
    /// The Russian-style patronymics made from it: (son, daughter).
    pub patronymics: (&'static str, &'static str),
}

/// The names of one naming tradition.
#[derive(Debug)]
pub struct NameList {
    pub surnames: &'static [&'static str],
    pub men: &'static [FatherName],
    pub women: &'static [&'static str],
    pub boys: &'static [&'static str],
    pub girls: &'static [&'static str],
}

macro_rules! fathers {
    ($(($name:literal, $son:literal, $daughter:literal)),* $(,)?) => {
        &[$(FatherName { name: $name, patronymics: ($son, $daughter) }),*]
    };
}

pub const KAZAKH: NameList = NameList {
    surnames: &[
        "Ахметов",
        "Серіков",
        "Жұмабаев",
        "Қасымов",
        "Нұрланов",
        "Байжанов",
        "Омаров",
        "Сұлтанов",
        "Әбілов",
        "Ермеков",
        "Сәрсенбаев",
        "Құдайбергенов",
        "Исабеков",
        "Жақсылықов",
        "Мұқанов",
        "Оспанов",
        "Тұрсынов",
        "Иманғалиев",
        "Бекмұхамбетов",
        "Әлімжанов",
        "Төлеуов",
        "Шәкенов",
        "Ғабдуллин",
        "Мұратов",
    ],
    men: fathers![
        ("Нұрлан", "Нұрланович", "Нұрлановна"),
        ("Ерлан", "Ерланович", "Ерлановна"),
        ("Асхат", "Асхатович", "Асхатовна"),
        ("Дәурен", "Дәуренович", "Дәуреновна"),
        ("Ержан", "Ержанович", "Ержановна"),
        ("Бауыржан", "Бауыржанович", "Бауыржановна"),
        ("Қайрат", "Қайратович", "Қайратовна"),
        ("Марат", "Маратович", "Маратовна"),
        ("Серік", "Серікович", "Серіковна"),
        ("Болат", "Болатович", "Болатовна"),
        ("Арман", "Арманович", "Армановна"),
        ("Данияр", "Даниярович", "Данияровна"),
        ("Ербол", "Ерболович", "Ерболовна"),
        ("Айдос", "Айдосович", "Айдосовна"),
        ("Жандос", "Жандосович", "Жандосовна"),
        ("Мұрат", "Мұратович", "Мұратовна"),
        ("Ғалым", "Ғалымович", "Ғалымовна"),
        ("Бекзат", "Бекзатович", "Бекзатовна"),
        ("Тимур", "Тимурович", "Тимуровна"),
        ("Руслан", "Русланович", "Руслановна"),
    ],
    women: &[
        "Айгерім",
        "Гүлнара",
        "Сәуле",
        "Динара",
        "Әсем",
        "Жанар",
        "Ләззат",
        "Мәдина",
        "Айнұр",
        "Гүлжан",
        "Назгүл",
        "Ақмарал",
        "Салтанат",
        "Камила",
        "Әсел",
        "Жұлдыз",
    ],
    boys: &[
        "Әлихан",
        "Нұрислам",
        "Алдияр",
        "Ерасыл",
        "Әмір",
        "Айсұлтан",
        "Мұхаммед",
        "Омар",
        "Арсен",
        "Рамазан",
        "Нұрсұлтан",
        "Ислам",
        "Санжар",
        "Әділет",
        "Тамерлан",
        "Іляс",
    ],
    girls: &[
        "Аружан",
        "Айару",
        "Інжу",
        "Томирис",
        "Аяла",
        "Медина",
        "Айлин",
        "Амина",
        "Айша",
        "Сафия",
        "Хадиша",
        "Жасмин",
        "Назерке",
        "Аяулым",
        "Балнұр",
        "Ділназ",
    ],
};

pub const RUSSIAN: NameList = NameList {
    surnames: &[
        "Иванов",
        "Петров",
        "Смирнов",
        "Кузнецов",
        "Попов",
        "Волков",
        "Соколов",
        "Лебедев",
        "Козлов",
        "Новиков",
        "Морозов",
        "Васильев",
        "Павлов",
        "Фёдоров",
        "Михайлов",
        "Никитин",
    ],
    men: fathers![
        ("Александр", "Александрович", "Александровна"),
        ("Сергей", "Сергеевич", "Сергеевна"),
        ("Дмитрий", "Дмитриевич", "Дмитриевна"),
        ("Андрей", "Андреевич", "Андреевна"),
        ("Алексей", "Алексеевич", "Алексеевна"),
        ("Максим", "Максимович", "Максимовна"),
        ("Евгений", "Евгеньевич", "Евгеньевна"),
        ("Иван", "Иванович", "Ивановна"),
        ("Николай", "Николаевич", "Николаевна"),
        ("Владимир", "Владимирович", "Владимировна"),
        ("Виктор", "Викторович", "Викторовна"),
        ("Олег", "Олегович", "Олеговна"),
    ],
    women: &[
        "Елена",
        "Ольга",
        "Наталья",
        "Анна",
        "Татьяна",
        "Ирина",
        "Екатерина",
        "Юлия",
        "Мария",
        "Светлана",
        "Оксана",
        "Галина",
    ],
    boys: &[
        "Артём",
        "Михаил",
        "Матвей",
        "Лев",
        "Марк",
        "Даниил",
        "Тимофей",
        "Кирилл",
        "Егор",
        "Арсений",
        "Фёдор",
        "Глеб",
    ],
    girls: &[
        "София",
        "Анна",
        "Мария",
        "Ева",
        "Виктория",
        "Алиса",
        "Полина",
        "Варвара",
        "Вероника",
        "Злата",
        "Ксения",
        "Дарья",
    ],
};

/// The woman's form of a surname from these lists: «Ахметов» → «Ахметова».
pub fn feminine_surname(surname: &str) -> String {
    format!("{surname}а")
}

/// The Kazakh-style patronymic: «Нұрланұлы» for a son, «Нұрланқызы» for a daughter.
pub fn kazakh_patronymic(father: &str, son: bool) -> String {
    format!("{father}{}", if son { "ұлы" } else { "қызы" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surnames_take_the_feminine_ending() {
        for list in [&KAZAKH, &RUSSIAN] {
            for surname in list.surnames {
                assert!(
                    ["ов", "ев", "ин"].iter().any(|end| surname.ends_with(end)),
                    "{surname} would not take «-а»"
                );
            }
        }
        assert_eq!(feminine_surname("Қасымов"), "Қасымова");
    }

    #[test]
    fn patronymics_in_both_styles() {
        assert_eq!(kazakh_patronymic("Дәурен", true), "Дәуренұлы");
        assert_eq!(kazakh_patronymic("Болат", false), "Болатқызы");
        let father = KAZAKH.men.iter().find(|m| m.name == "Нұрлан").unwrap();
        assert_eq!(father.patronymics.1, "Нұрлановна");
    }
}
